using System.Net.Sockets;
using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>Classifies Npgsql and server errors into the engine's error model.</summary>
internal static class PostgresErrors
{
    /// <summary>A UNIQUE or PRIMARY KEY constraint failed; <paramref name="constraint"/> names it (ux_..., backends_pkey).</summary>
    public static bool IsUniqueViolation(this PostgresException e, out string constraint)
    {
        constraint = e.ConstraintName ?? "";
        return e.SqlState == PostgresErrorCodes.UniqueViolation;
    }

    /// <summary>A FOREIGN KEY constraint failed (a parent missing on insert, or children left on delete).</summary>
    public static bool IsForeignKeyViolation(this PostgresException e) => e.SqlState == PostgresErrorCodes.ForeignKeyViolation;

    /// <summary>A constraint of the caller's making (turned into the error that names the object).</summary>
    public static bool IsConstraint(this PostgresException e) => e.SqlState.StartsWith("23", StringComparison.Ordinal);

    /// <summary>
    /// The error for any other failure: the server unreachable or restarted (the transaction was rolled back by the
    /// server, nothing of it is written), a conflict with a concurrent transaction (retryable), or anything else.
    /// </summary>
    public static InventoryUnavailableException Failed(string where, Exception e, bool committing = false) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } p =>
            new($"The inventory {where} refused a transaction that conflicted with a concurrent one on another host or process " +
                $"({p.SqlState}: {p.MessageText}); it was rolled back and changed nothing. Run the command again.", p),
        _ when IsConnectionLoss(e) && committing =>
            new($"The connection to the inventory {where} was lost while committing ({e.Message}); the server either committed the whole " +
                "transaction or none of it. Look at the operation journal to see which, then run the command again if nothing was recorded.", e),
        _ when IsConnectionLoss(e) =>
            new($"The inventory {where} is unreachable or was restarted ({e.Message}); the transaction in progress was rolled back by the " +
                "server and nothing of it was written. Run the command again when the server is back.", e),
        PostgresException p => new($"The inventory {where} failed: {p.SqlState}: {p.MessageText}", p),
        _ => new($"The inventory {where} failed: {e.Message}", e),
    };

    /// <summary>The connection is gone: a network error, the server shutting down or restarting, a broken connection.</summary>
    public static bool IsConnectionLoss(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException { InnerException: SocketException or IOException or EndOfStreamException or TimeoutException } => true,
        NpgsqlException n when n.IsTransient => true,
        InvalidOperationException when e.Message.Contains("connection", StringComparison.OrdinalIgnoreCase) => true,
        SocketException or IOException or EndOfStreamException => true,
        _ => false,
    };
}
