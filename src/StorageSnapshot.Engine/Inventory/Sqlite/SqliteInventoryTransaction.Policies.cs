using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
    /// <inheritdoc />
    public async Task InsertPolicyAsync(SnapshotPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            await ExecuteAsync(
                "INSERT INTO snapshot_policies (id, name, definition, created, updated) VALUES ($id, $name, $definition, $created, $updated)",
                p =>
                {
                    p.Set("$id", policy.Id);
                    p.Set("$name", policy.Name);
                    p.Set("$definition", PolicyDefinitionJson.Write(policy));
                    p.SetTime("$created", policy.CreatedUtc);
                    p.SetTime("$updated", policy.UpdatedUtc);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"A snapshot policy named '{policy.Name}' already exists.", policy.Name, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task UpdatePolicyAsync(SnapshotPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var changed = await ExecuteAsync(
            "UPDATE snapshot_policies SET definition = $definition, updated = $updated WHERE id = $id",
            p =>
            {
                p.Set("$id", policy.Id);
                p.Set("$definition", PolicyDefinitionJson.Write(policy));
                p.SetTime("$updated", policy.UpdatedUtc);
            }, cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw PolicyNotFound(policy.Name);
    }

    /// <inheritdoc />
    public async Task DeletePolicyAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await ExecuteAsync("DELETE FROM snapshot_policies WHERE id = $id", p => p.Set("$id", id), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw PolicyNotFound(id);
    }

    /// <inheritdoc />
    public async Task RecordPolicyCopyAsync(PolicyCopy copy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        await ExecuteAsync("INSERT OR IGNORE INTO policy_copies (copy_id, policy, slot) VALUES ($copy, $policy, $slot)",
            p =>
            {
                p.Set("$copy", copy.CopyId);
                p.Set("$policy", copy.Policy);
                p.SetTime("$slot", copy.SlotUtc);
            }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeletePolicyCopiesAsync(IReadOnlyCollection<string> copyIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copyIds);
        foreach (var id in copyIds)
            await ExecuteAsync("DELETE FROM policy_copies WHERE copy_id = $copy", p => p.Set("$copy", id), cancellationToken).ConfigureAwait(false);
    }

    private static ObjectNotFoundException PolicyNotFound(string name) =>
        new(ErrorIds.PolicyNotFound, $"No snapshot policy '{name}' is in the inventory.", name);
}
