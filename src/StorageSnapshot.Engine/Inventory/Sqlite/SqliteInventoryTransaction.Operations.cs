using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
    /// <inheritdoc />
    public async Task InsertOperationAsync(Operation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var kind = SqliteValues.ToText(operation.Kind);
        var state = SqliteValues.ToText(operation.State);
        try
        {
            await ExecuteAsync(
                $"INSERT INTO operations ({OperationColumns}) " +
                "VALUES ($id, $kind, $state, $backend, $volume, $destination, $target_kind, $target_id, $started, $ended, $attempts, $error, $owner, $details)",
                p => BindOperation(p, operation, kind, state), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"An operation with id '{operation.Id}' is already in the journal.", operation, ErrorKind.ResourceExists);
        }
    }

    /// <summary>
    /// Replaces an operation's fields. A missing one is an ObjectNotFoundException with ErrorIds.InvalidState:
    /// there is no public OperationNotFound id, and updating a journal entry that does not exist means the
    /// caller's idea of the journal's state is wrong.
    /// </summary>
    public async Task UpdateOperationAsync(Operation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var kind = SqliteValues.ToText(operation.Kind);
        var state = SqliteValues.ToText(operation.State);
        var changed = await ExecuteAsync(
            "UPDATE operations SET kind = $kind, state = $state, backend = $backend, volume = $volume, destination = $destination, target_kind = $target_kind, " +
            "target_id = $target_id, started = $started, ended = $ended, attempts = $attempts, error = $error, owner = $owner, " +
            "details = $details WHERE id = $id",
            p => BindOperation(p, operation, kind, state), cancellationToken).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new ObjectNotFoundException(ErrorIds.InvalidState, $"No operation with id '{operation.Id}' is in the journal.", operation.Id);
        }
    }

    private static void BindOperation(SqliteParameterCollection p, Operation operation, string kind, string state)
    {
        p.Set("$id", operation.Id);
        p.Set("$kind", kind);
        p.Set("$state", state);
        p.Set("$backend", operation.Backend);
        p.Set("$volume", operation.Volume);
        p.Set("$destination", operation.Destination);
        p.Set("$target_kind", SqliteValues.ToText(operation.TargetKind));
        p.Set("$target_id", operation.TargetId);
        p.SetTime("$started", operation.StartedUtc);
        p.SetTime("$ended", operation.EndedUtc);
        p.Set("$attempts", operation.Attempts);
        p.Set("$error", operation.Error);
        p.Set("$owner", operation.Owner);
        p.Set("$details", OperationDetailsJson.Write(operation.Kind, operation.Details));
    }
}
