namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// Who records an event: the operating-system user and host of this process, read once (neither changes while a
/// process runs). The audit log says "by whom" with them.
/// </summary>
internal static class EventAuthor
{
    public static string User { get; } = Environment.UserName;

    public static string Host { get; } = Environment.MachineName;
}
