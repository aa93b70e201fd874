using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// Puts the SQLite library this engine loads into multi-thread mode before its first connection opens. The bundled
/// library is built serialized: every call — each column of each row a listing reads — then locks and unlocks the
/// connection's mutex, which profiling (perf, inventory benchmark) showed as a fifth of a 10,000-row listing's CPU
/// time. Multi-thread mode drops that mutex and requires that no connection is used by two threads at once, which
/// the inventory already guarantees: a session's connection is only used behind its gate, a completion connection
/// by the one call that opened it. Process-wide, but only for the copy of the native library loaded for this
/// engine's assembly load context. Once the library has initialised (a connection opened first) it cannot change
/// mode any more; SQLite then answers SQLITE_MISUSE and stays serialized — slower, never wrong.
/// </summary>
internal static class SqliteThreadingMode
{
    private const int ConfigMultiThread = 2; // SQLITE_CONFIG_MULTITHREAD

    private static readonly Lazy<int> Result = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies multi-thread mode once per process; every connection this engine opens calls it first.</summary>
    public static void Ensure() => _ = Result.Value;

    /// <summary>True when SQLite accepted multi-thread mode (false: it had initialised before, and stays serialized).</summary>
    public static bool IsMultiThread => Result.Value == 0;

    private static int Apply()
    {
        // Microsoft.Data.Sqlite's static constructor chooses the native library (SQLitePCLRaw's provider).
        RuntimeHelpers.RunClassConstructor(typeof(SqliteConnection).TypeHandle);
        return raw.sqlite3_config(ConfigMultiThread);
    }
}
