using Npgsql;

namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// Runs a whole inventory transaction again when the store refused it only because a concurrent transaction
/// conflicted with it (PostgreSQL: serialization failure 40001 or deadlock 40P01 — the transaction was rolled back
/// and changed nothing). SQLite's writers are serial and never fail this way. The attempt must start its own
/// transaction and change nothing outside it.
/// </summary>
internal static class InventoryRetry
{
    /// <summary>How many times a conflicting transaction is tried in all.</summary>
    public const int Attempts = 8;

    public static async Task<T> RunAsync<T>(Func<Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var tried = 1; ; tried++)
        {
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (Exception e) when (tried < Attempts && IsRetryable(e))
            {
                // A short, growing, jittered pause: two hosts that conflicted once should not collide again in step.
                var pause = TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * tried);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True for an error that says "run the transaction again": it was rolled back for a conflict alone.</summary>
    public static bool IsRetryable(Exception e) =>
        e is InventoryUnavailableException { InnerException: PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } };
}
