using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Test-SnapshotCopy's work, which reads and changes nothing (so it is not journaled and holds no lock): the
/// copy's repository opened, every chunk and the manifest re-hashed, and — given the source snapshot — the
/// snapshot read through a driver session and compared. Each mismatch also goes to the sink as CopyCorrupt.
/// </summary>
internal static class CopyCheck
{
    /// <summary>The snapshot a copy is compared with, with its backend's clear properties (revealed by the caller, for the session alone).</summary>
    internal sealed record Source(Snapshot Snapshot, Backend Backend, IStorageDriver Driver, IReadOnlyDictionary<string, string> Properties);

    /// <param name="stores">How the copy's repository is opened (<see cref="Facade.EngineOptions.ChunkStores"/>).</param>
    public static async Task<SnapshotCopyTest> RunAsync(SnapshotCopy copy, SecondaryStorage storage, Source? compareWith,
        ChunkStoreRegistry stores, IOperationOutput output, CancellationToken cancellationToken)
    {
        await using var store = await stores.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
        IDriverBackend? session = null;
        IBlockReader? reader = null;
        try
        {
            if (compareWith is { } source)
            {
                try
                {
                    session = await source.Driver.OpenBackendAsync(source.Backend.Name, source.Properties, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not (StorageSnapshotException or OperationCanceledException))
                {
                    var secretValues = BackendSecrets.SecretValues(source.Driver, source.Properties);
                    throw new DriverFailedException(
                        $"Driver '{source.Backend.Driver}' failed to open backend '{source.Backend.Name}' to compare copy {copy.Id} with its snapshot: {SecretText.Mask(e.Message, secretValues)}",
                        copy, SecretText.Scrub(e, secretValues));
                }
                reader = await session.OpenSnapshotReaderAsync(DriverObjects.Of(source.Snapshot), cancellationToken).ConfigureAwait(false);
            }
            var verification = await new CopyVerifier(store).VerifyAsync(copy.Id, reader, output, cancellationToken).ConfigureAwait(false);
            foreach (var mismatch in verification.Mismatches)
                output.WriteError(new CopyCorruptException($"Copy {copy.Id} on '{storage.Name}': {mismatch}", new[] { mismatch }, copy));
            return new SnapshotCopyTest
            {
                CopyId = copy.Id,
                Destination = copy.Destination,
                Snapshot = copy.Snapshot,
                Volume = copy.Volume,
                SnapshotId = copy.SnapshotId,
                VolumeId = copy.VolumeId,
                Backend = copy.Backend,
                Valid = verification.IsValid,
                ComparedWithSource = compareWith is not null,
                ChunksChecked = verification.ChunksChecked,
                BytesChecked = verification.BytesChecked,
                Duration = verification.Duration,
                Mismatches = verification.Mismatches,
            };
        }
        finally
        {
            reader?.Dispose();
            if (session is not null) await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
