namespace StorageSnapshot.Commands.Parameters;

/// <summary>
/// The PSTypeName of each object a <see cref="NamedObjectAttribute"/> parameter names: what the syntax shows
/// (<c>-Volume &lt;Volume&gt;</c>) and what PowerShell's binder checks the value against.
/// </summary>
internal static class TypeNames
{
    public const string Backend = "StorageSnapshot.Backend";
    public const string Volume = "StorageSnapshot.Volume";
    public const string Snapshot = "StorageSnapshot.Snapshot";
    public const string SecondaryStorage = "StorageSnapshot.SecondaryStorage";
}
