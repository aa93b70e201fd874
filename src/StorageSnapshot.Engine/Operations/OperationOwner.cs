using System.Diagnostics;
using System.Globalization;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Who runs an operation, as recorded in the journal: host, process id and process start time. The start time
/// tells a reused pid apart from the original process when a person (or repair) reads the journal; liveness
/// itself is decided by the volume lock, which dies with its process.
/// </summary>
internal static class OperationOwner
{
    private static readonly Lazy<string> CurrentValue = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        var started = self.StartTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        return $"{Environment.MachineName}/{Environment.ProcessId}/{started}";
    });

    /// <summary>This process, for example "host1/4242/2026-11-22T03:00:00.123Z".</summary>
    public static string Current => CurrentValue.Value;
}
