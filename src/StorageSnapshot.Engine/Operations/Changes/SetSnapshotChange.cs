using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Operations.Changes;

/// <summary>
/// Set-StorageSnapshot: name, description, tags and expiry written over the snapshot as it is now, under its
/// volume's lock so that it never interleaves with an operation on the volume (a delete, a revert).
/// </summary>
/// <param name="volume">The snapshot's volume (whose lock is held).</param>
/// <param name="snapshot">The snapshot as the caller resolved it (re-read here).</param>
/// <param name="edits">What to change (validated by the caller).</param>
/// <param name="changes">The changes in words, for the event.</param>
internal sealed class SetSnapshotChange(Volume volume, Snapshot snapshot, SnapshotEdits edits, IReadOnlyList<string> changes)
    : InventoryChange<Snapshot>
{
    public override LockScope Lock => LockScope.OfVolume(volume.Backend, volume.Name);

    public override object TargetObject => snapshot;

    public override async Task<ChangeOutcome<Snapshot>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        var current = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.SnapshotNotFound($"with id '{snapshot.Id}'", snapshot.Id);
        var tags = new Dictionary<string, string>(current.Tags, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in edits.Tags ?? new Dictionary<string, string?>())
        {
            if (value is null) tags.Remove(key);
            else tags[key] = value;
        }
        var updated = current with
        {
            Name = edits.NewName ?? current.Name,
            Description = edits.Description ?? current.Description,
            Tags = tags,
            ExpiresUtc = edits.ClearExpiry ? null : edits.ExpiresUtc ?? current.ExpiresUtc,
        };
        await transaction.UpdateSnapshotAsync(updated, cancellationToken).ConfigureAwait(false);
        updated = await transaction.GetSnapshotAsync(updated.Id, cancellationToken).ConfigureAwait(false) ?? updated; // as stored
        return new(updated, EventKind.SnapshotUpdated, EventSubject.Of(updated), $"{TargetNames.Capitalize(TargetNames.Snapshot(current))}: {string.Join(", ", changes)}.");
    }
}

/// <summary>What Set-StorageSnapshot changes; null members are kept.</summary>
/// <param name="NewName">A new name.</param>
/// <param name="Description">A new description.</param>
/// <param name="Tags">Tags to set (a null value removes the tag).</param>
/// <param name="ExpiresUtc">A new expiry (UTC).</param>
/// <param name="ClearExpiry">True to remove the expiry.</param>
internal sealed record SnapshotEdits(string? NewName, string? Description, IReadOnlyDictionary<string, string?>? Tags, DateTime? ExpiresUtc, bool ClearExpiry);
