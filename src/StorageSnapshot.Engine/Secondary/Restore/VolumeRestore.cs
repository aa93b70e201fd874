using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Restore;

/// <summary>
/// Restores a copy onto primary storage so that a failed restore never leaves a target that looks complete:
/// <list type="bullet">
/// <item>Into a NEW volume (New-StorageVolume -FromCopy): the volume is created, filled, flushed; on any failure
/// (corruption, cancellation, I/O) it is deleted again.</item>
/// <item>IN PLACE (Restore-StorageSnapshot -FromCopy, the copy's own volume): a safety snapshot of the volume is
/// taken through the driver first; the copy is written over the volume; on any failure the volume is reverted
/// to the safety snapshot. The safety snapshot is deleted in both cases. Bytes past the copy's size (the volume
/// grew since) are zeroed, so the volume reads exactly as the snapshot did.</item>
/// </list>
/// Cleanup runs without the caller's cancellation token: Ctrl+C stops the restore, not the undoing of it.
/// These two methods are storage-only (no inventory, no journal), for callers that work below the engine
/// (benchmarks). The cmdlets go through the journaled operations RestoreIntoNewVolumeOperation and
/// RestoreInPlaceOperation, which use <see cref="CopyRestorer"/> and <see cref="OverwriteAsync"/>.
/// </summary>
internal sealed class VolumeRestore
{
    private readonly IChunkStore _store;
    private readonly TransferOptions _options;

    /// <summary>Creates the use case over a repository.</summary>
    public VolumeRestore(IChunkStore store, TransferOptions? options = null)
    {
        _store = store;
        _options = options ?? new TransferOptions();
    }

    /// <summary>Creates <paramref name="volumeName"/> on <paramref name="backend"/> from copy <paramref name="copyId"/>.</summary>
    public async Task<DriverObject> RestoreToNewVolumeAsync(IDriverBackend backend, string copyId, string volumeName, IOperationOutput output, CancellationToken cancellationToken)
    {
        var manifest = await _store.ReadManifestAsync(copyId, cancellationToken);
        var volume = await backend.CreateVolumeAsync(volumeName, manifest.TotalBytes, cancellationToken);
        try
        {
            await using (var writer = await backend.OpenVolumeWriterAsync(volume, cancellationToken))
            {
                await new CopyRestorer(_store, _options).RestoreAsync(manifest, writer, targetReadsAsZeros: true, output, cancellationToken);
            }
            return volume;
        }
        catch
        {
            output.WriteVerbose($"Restore of copy {copyId} failed; deleting the new volume {volumeName}.");
            await backend.DeleteVolumeAsync(volume, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Writes the copy over a volume that already holds data: refuses a volume smaller than the image, zeroes the
    /// bytes past the image (the volume grew since the copy) so it reads exactly as the snapshot did, and flushes.
    /// Never flushed when a chunk fails verification (<see cref="CopyCorruptException"/>).
    /// </summary>
    public async Task<RestoreResult> OverwriteAsync(CopyManifest manifest, IBlockWriter writer, IOperationOutput output, CancellationToken cancellationToken)
    {
        if (writer.Length < manifest.TotalBytes)
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The volume ({writer.Length} bytes) is smaller than copy {manifest.CopyId} ({manifest.TotalBytes} bytes).", manifest.CopyId);
        }
        var result = await new CopyRestorer(_store, _options).RestoreAsync(manifest, writer, output, cancellationToken);
        if (writer.Length > manifest.TotalBytes)
        {
            await writer.ZeroAsync(manifest.TotalBytes, writer.Length - manifest.TotalBytes, cancellationToken);
            await writer.FlushAsync(cancellationToken);
        }
        return result;
    }

    /// <summary>Overwrites <paramref name="volume"/> with copy <paramref name="copyId"/>, guarded by a safety snapshot.</summary>
    public async Task<RestoreResult> RestoreInPlaceAsync(IDriverBackend backend, DriverObject volume, string copyId, IOperationOutput output, CancellationToken cancellationToken)
    {
        var manifest = await _store.ReadManifestAsync(copyId, cancellationToken);
        var safety = await backend.CreateSnapshotAsync(volume, Ids.New(), cancellationToken);
        output.WriteVerbose($"Safety snapshot {safety.Reference} taken before restoring copy {copyId} over {volume.Location}.");
        try
        {
            RestoreResult result;
            await using (var writer = await backend.OpenVolumeWriterAsync(volume, cancellationToken))
            {
                result = await OverwriteAsync(manifest, writer, output, cancellationToken);
            }
            return result;
        }
        catch
        {
            output.WriteWarning($"Restore of copy {copyId} failed; reverting {volume.Location} to the safety snapshot taken before it.");
            await backend.RevertVolumeAsync(volume, safety, CancellationToken.None);
            throw;
        }
        finally
        {
            await backend.DeleteSnapshotAsync(safety, CancellationToken.None);
        }
    }
}
