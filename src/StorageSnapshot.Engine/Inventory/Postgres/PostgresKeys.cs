using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// The 64-bit keys of the inventory's advisory locks: the first 8 bytes of SHA-256 over a fixed prefix and the
/// (lower-cased) lock key. Advisory locks are per database, so two inventories in two databases never collide;
/// another application using advisory locks in the same database could, which is one reason the inventory wants a
/// database of its own.
/// </summary>
internal static class PostgresKeys
{
    /// <summary>The lock held while the schema is migrated (transaction-level).</summary>
    public static readonly long Migration = Of("schema-migration");

    /// <summary>
    /// The lock an event append takes until its transaction ends (transaction-level): events are then numbered in
    /// the order their transactions commit, so a reader that follows the log by sequence never skips one that
    /// commits late with a lower number.
    /// </summary>
    public static readonly long EventLog = Of("event-log");

    /// <summary>The key of an operation lock (a volume's or a secondary storage's).</summary>
    public static long OfOperationLock(string key) => Of("operation-lock/" + key.ToLowerInvariant());

    private static long Of(string what) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("storagesnapshot/" + what)));
}
