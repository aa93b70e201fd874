using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>The repair rules of the operations on secondary storage: a copy, and a copy's removal.</summary>
internal static class CopyRepairs
{
    /// <summary>
    /// Copy-SnapshotToSecondary: the manifest is committed at once or not at all. Committed under the copy's id →
    /// forward (Copied, with the figures the manifest kept). Not committed → back (Failed: the chunks it stored stay
    /// for a rerun, which resumes, or for chunk collection).
    /// </summary>
    public static async Task<RepairDecision> CopyAsync(RepairScene scene, CopyToSecondaryDetails details, CancellationToken cancellationToken)
    {
        var repository = scene.RequireRepository();
        var copyId = scene.Entry.TargetId ?? "";
        var copy = await scene.Inventory.GetCopyAsync(copyId, cancellationToken).ConfigureAwait(false);
        var manifest = await TryReadManifestAsync(repository, copyId, cancellationToken).ConfigureAwait(false);

        if (manifest is not null && copy is { State: CopyState.Copying })
        {
            return new RepairDecision(RecoveryDirection.RolledForward,
                $"the repository holds the committed manifest of copy {copyId}",
                $"record copy {copyId} as Copied")
            {
                SettleAsync = async (transaction, token) =>
                {
                    var current = await transaction.GetCopyAsync(copyId, token).ConfigureAwait(false);
                    if (current is not { State: CopyState.Copying }) return;
                    var statistics = manifest.Statistics;
                    await transaction.UpdateCopyAsync(current with
                    {
                        State = CopyState.Copied,
                        BaseCopyId = manifest.BaseCopyId,
                        SizeBytes = manifest.TotalBytes,
                        BytesRead = statistics?.BytesRead ?? current.BytesRead,
                        BytesWritten = statistics?.BytesWritten ?? current.BytesWritten,
                        BytesChanged = statistics?.BytesChanged ?? current.BytesChanged,
                        ImageSha256 = manifest.ImageSha256,
                        CompletedUtc = ToMilliseconds(manifest.CreatedUtc),
                        ErrorMessage = null,
                    }, token).ConfigureAwait(false);
                },
            };
        }

        return new RepairDecision(RecoveryDirection.RolledBack,
            $"the repository holds no committed manifest of copy {copyId}: the copy never completed",
            copy is { State: CopyState.Copying }
                ? $"record copy {copyId} as Failed (the chunks it stored are kept: copying the snapshot again resumes it)"
                : "nothing is left to undo")
        {
            SettleAsync = async (transaction, token) =>
            {
                var current = await transaction.GetCopyAsync(copyId, token).ConfigureAwait(false);
                if (current is not { State: CopyState.Copying }) return;
                await transaction.UpdateCopyAsync(current with
                {
                    State = CopyState.Failed,
                    ErrorMessage = $"Its process ended before the copy was committed (settled by a repair of operation {scene.Entry.Id}).",
                }, token).ConfigureAwait(false);
            },
        };
    }

    /// <summary>
    /// A copy's removal: always forward — the user asked for it gone. The manifest is deleted if it is still there
    /// (its chunks wait for the next chunk collection), then the record.
    /// </summary>
    public static Task<RepairDecision> DeleteCopyAsync(RepairScene scene, DeleteCopyDetails details, CancellationToken cancellationToken)
    {
        var repository = scene.RequireRepository();
        return Task.FromResult(new RepairDecision(RecoveryDirection.RolledForward,
            "its removal was asked for and may have deleted the manifest already",
            $"delete copy {details.CopyId}'s manifest if it is still there and forget the copy (its chunks go with the next chunk collection)")
        {
            OnStorageAsync = token => repository.DeleteManifestAsync(details.CopyId, token),
            SettleAsync = async (transaction, token) =>
            {
                if (await transaction.GetCopyAsync(details.CopyId, token).ConfigureAwait(false) is not null)
                    await transaction.DeleteCopyAsync(details.CopyId, token).ConfigureAwait(false);
            },
        });
    }

    /// <summary>
    /// A chunk collection cut short: it deletes only chunks no committed copy references, and its failed copies could
    /// be restored from nothing, so there is nothing to undo. Rolled forward: the failed copies it recorded are
    /// forgotten (if still Failed — a rerun may have taken one over); the chunks it did not reach wait for the next
    /// collection.
    /// </summary>
    public static Task<RepairDecision> CollectChunksAsync(RepairScene scene, CollectChunksDetails details, CancellationToken cancellationToken)
    {
        _ = scene;
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new RepairDecision(RecoveryDirection.RolledForward,
            "a chunk collection deletes only chunks no committed copy references, so there is nothing to undo",
            $"forget the {details.FailedCopies.Count} failed copy record(s) it was removing from '{details.Destination}' (unreferenced chunks go with the next chunk collection)")
        {
            SettleAsync = async (transaction, token) =>
            {
                foreach (var id in details.FailedCopies)
                {
                    if (await transaction.GetCopyAsync(id, token).ConfigureAwait(false) is { State: CopyState.Failed })
                        await transaction.DeleteCopyAsync(id, token).ConfigureAwait(false);
                }
            },
        });
    }

    private static async Task<CopyManifest?> TryReadManifestAsync(IChunkStore repository, string copyId, CancellationToken cancellationToken)
    {
        try
        {
            return await repository.ReadManifestAsync(copyId, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageSnapshotException e) when (e.ErrorId is ErrorIds.CopyNotFound or ErrorIds.CopyCorrupt)
        {
            return null; // not committed (a manifest is written whole or not at all; a corrupt one is no copy)
        }
    }

    private static DateTime ToMilliseconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
}
