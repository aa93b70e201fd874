using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Operations.Changes;
using StorageSnapshot.Engine.Operations.Journal;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Facade;

// Secondary storage: Register-/Get-/Unregister-SecondaryStorage, Copy-SnapshotToSecondary, Get-/Test-/
// Remove-SnapshotCopy, Restore-StorageSnapshot -FromCopy and New-StorageVolume -FromCopy.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>
    /// Register-SecondaryStorage. The directory must hold a StorageSnapshot repository (it keeps its own settings)
    /// or be empty (a repository is created in it); a missing directory is created only with
    /// <see cref="RegisterSecondaryStorageRequest.CreateDirectory"/>. A non-empty directory that is not a
    /// repository is refused naming what is in it, and a repository already registered (under any name, by its
    /// id or its path) is refused too. Everything is checked before ShouldProcess. Returns null when it said no.
    /// </summary>
    public async Task<SecondaryStorage?> RegisterSecondaryStorageAsync(RegisterSecondaryStorageRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var name = NameRules.Require("secondary storage", request.Name);
        var kind = Options.ChunkStores.Get(request.Kind);
        var location = request.Kind == SecondaryStorageKind.S3
            ? kind.CanonicalLocation(Secondary.S3.S3Place.FormatLocation(request.Endpoint, request.Bucket, request.Prefix, name), name)
            : kind.CanonicalLocation(request.Path, name);
        var properties = new Dictionary<string, string>(request.Properties ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        var propertyProblems = kind.CheckProperties(properties, name);
        if (propertyProblems.Count > 0) throw new ValidationException(ErrorIds.PropertyValidationFailed, propertyProblems, name);
        var format = new RepositoryFormat
        {
            ChunkSize = request.ChunkSizeBytes ?? RepositoryFormat.DefaultChunkSize,
            Compression = request.Compression ?? ChunkCompression.None,
        };
        var problems = format.Validate();
        if (problems.Count > 0) throw new ValidationException(ErrorIds.InvalidArgument, problems, name);
        if (await Inventory.GetSecondaryStorageAsync(name, cancellationToken).ConfigureAwait(false) is not null)
            throw EngineErrors.AlreadyExists($"A secondary storage named '{name}' is already registered.", name);

        var existing = await kind.InspectAsync(location, properties, request.CreateDirectory, cancellationToken).ConfigureAwait(false);
        await SecondaryStorageRules.RequireRepositoryNotRegisteredAsync(Inventory, kind, location, existing?.Id, cancellationToken).ConfigureAwait(false);
        var action = existing is null
            ? $"Create a repository ({format.ChunkSize} byte chunks, compression {format.Compression.ToString().ToLowerInvariant()}) and register it as secondary storage"
            : "Register the existing repository as secondary storage";
        if (!context.ShouldProcess($"secondary storage '{name}' at {location}", action)) return null;

        var storage = await runner.ApplyAsync(new RegisterSecondaryStorageChange(name, kind, location, properties, format, request.CreateDirectory), context).ConfigureAwait(false);
        Verbose(context, $"Registered secondary storage '{name}' at {location} ({storage.ChunkSizeBytes} byte chunks, compression {storage.Compression.ToString().ToLowerInvariant()}, repository {storage.RepositoryId}).");
        return storage;
    }

    /// <summary>Get-SecondaryStorage: by name pattern (all when null); a plain name that matches nothing → SecondaryStorageNotFound via the sink.</summary>
    public async Task<IReadOnlyList<SecondaryStorage>> GetSecondaryStoragesAsync(IReadOnlyList<string>? names, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var all = await Inventory.ListSecondaryStoragesAsync(context.CancellationToken).ConfigureAwait(false);
        return MatchByName(all, names, s => s.Name, SecondaryErrors.StorageNotFound, context);
    }

    /// <summary>Unregister-SecondaryStorage: forgets it (never touches its data); refuses while copies on it are recorded.</summary>
    public async Task<bool> UnregisterSecondaryStorageAsync(string name, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var storage = await RequireSecondaryStorageAsync(name, context.CancellationToken).ConfigureAwait(false);
        if (!context.ShouldProcess($"secondary storage '{storage.Name}' at {storage.Path}", "Unregister secondary storage (its data stays)")) return false;
        return await runner.ApplyAsync(new UnregisterSecondaryStorageChange(storage), context).ConfigureAwait(false);
    }

    /// <summary>
    /// Copy-SnapshotToSecondary. Journaled (CopyToSecondary) under the volume lock; the copy is recorded Copying,
    /// then Copied with its figures, or Failed with nothing committed. Copying a snapshot that already has a copy
    /// there returns that copy. A copy left Copying by a dead process is finished by running the copy again.
    /// Returns null when ShouldProcess said no.
    /// </summary>
    public async Task<SnapshotCopy?> CopySnapshotToSecondaryAsync(CopySnapshotRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var (snapshot, volume) = await RequireSnapshotAsync(request.Snapshot, cancellationToken).ConfigureAwait(false);
        var storage = await RequireSecondaryStorageAsync(request.Destination, cancellationToken).ConfigureAwait(false);
        var backend = await RequireBackendAsync(volume.Backend, cancellationToken).ConfigureAwait(false);
        RequireNotInMaintenance(backend, TargetNames.Snapshot(snapshot));
        RequireCapability(backend, DriverCapabilities.ReadSnapshot, "read snapshots", TargetNames.Snapshot(snapshot));
        if (snapshot.State != SnapshotState.Ready && !SettlingStates.IsSettling(snapshot.State))
            throw EngineErrors.InvalidState($"Cannot copy {TargetNames.Snapshot(snapshot)}: it is {snapshot.State}, not Ready.", snapshot);

        if (!context.ShouldProcess(TargetNames.Snapshot(snapshot), $"Copy to secondary storage '{storage.Name}'" + (request.Full ? " (full read)" : "")))
            return null;
        var operation = new CopySnapshotOperation(snapshot, volume, storage, request.Full, context.Output, Options.ChunkStores);
        return await runner.RunAsync(operation, context).ConfigureAwait(false);
    }

    /// <summary>Get-SnapshotCopy: copies matching every filter, oldest first.</summary>
    public Task<IReadOnlyList<SnapshotCopy>> GetSnapshotCopiesAsync(CopyFilter filter, OperationContext context) =>
        ListCopiesAsync(filter, context, reportMissingNames: true);

    private async Task<IReadOnlyList<SnapshotCopy>> ListCopiesAsync(CopyFilter filter, OperationContext context, bool reportMissingNames)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        List<string>? destinations = null;
        if (filter.Destinations is { Count: > 0 })
        {
            destinations = MatchByName(await Inventory.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false),
                filter.Destinations, s => s.Name, SecondaryErrors.StorageNotFound, context).Select(s => s.Name).ToList();
            if (destinations.Count == 0) return Array.Empty<SnapshotCopy>();
        }
        IEnumerable<SnapshotCopy> copies = await Inventory.ListCopiesAsync(new CopyQuery
        {
            Ids = filter.Ids is { Count: > 0 } ? filter.Ids : null,
            SnapshotIds = filter.SnapshotIds is { Count: > 0 } ? filter.SnapshotIds : null,
            Destinations = destinations,
        }, cancellationToken).ConfigureAwait(false);
        var listed = copies.ToList();
        foreach (var missing in (filter.Ids ?? Array.Empty<string>()).Where(id => !listed.Any(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))))
            context.Output.WriteError(SecondaryErrors.CopyNotFound($"with id '{missing}'", missing));
        copies = listed;

        // Volume and backend filters: by name pattern (a plain name that matches no copy is not an error: the
        // volume may simply have none) or by volume id; states as given.
        if (filter.Backends is { Count: > 0 })
        {
            var patterns = filter.Backends.Select(Wildcard.Parse).ToList();
            copies = copies.Where(c => patterns.Any(p => p.IsMatch(c.Backend)));
        }
        if (filter.Volumes is { Count: > 0 } || filter.VolumeIds is { Count: > 0 })
        {
            var patterns = (filter.Volumes ?? Array.Empty<string>()).Select(Wildcard.Parse).ToList();
            var ids = filter.VolumeIds ?? Array.Empty<string>();
            copies = copies.Where(c => patterns.Any(p => p.IsMatch(c.Volume)) || (c.VolumeId is not null && ids.Contains(c.VolumeId, StringComparer.OrdinalIgnoreCase)));
        }
        if (filter.States is { Count: > 0 } states) copies = copies.Where(c => states.Contains(c.State));
        return reportMissingNames
            ? MatchByName(copies, filter.SnapshotNames, c => c.Snapshot ?? "", name => SecondaryErrors.CopyNotFound($"of a snapshot named '{name}'", name), context)
            : MatchByName(copies, filter.SnapshotNames, c => c.Snapshot ?? "", name => SecondaryErrors.CopyNotFound($"of a snapshot named '{name}'", name), OperationContext.Unattended(context.CancellationToken));
    }

    /// <summary>
    /// Test-/Remove-SnapshotCopy by snapshot (and destination, volume): the copies <see cref="GetSnapshotCopiesAsync"/>
    /// finds, or CopyNotFound naming what was asked for when it finds none.
    /// </summary>
    public async Task<IReadOnlyList<SnapshotCopy>> RequireSnapshotCopiesAsync(CopyFilter filter, OperationContext context)
    {
        var copies = await ListCopiesAsync(filter, context, reportMissingNames: false).ConfigureAwait(false);
        if (copies.Count > 0) return copies;
        var what = new List<string>();
        if (filter.SnapshotNames is { Count: > 0 } names) what.Add($"of snapshot {TargetNames.List(names)}");
        if (filter.SnapshotIds is { Count: > 0 } ids) what.Add($"of snapshot id {TargetNames.List(ids)}");
        if (filter.Volumes is { Count: > 0 } volumes) what.Add($"of volume {TargetNames.List(volumes)}");
        if (filter.Destinations is { Count: > 0 } destinations) what.Add($"on {TargetNames.List(destinations)}");
        var target = (object?)filter.SnapshotNames?.FirstOrDefault() ?? filter.SnapshotIds?.FirstOrDefault();
        throw SecondaryErrors.CopyNotFound(string.Join(" ", what), target);
    }

    /// <summary>
    /// Test-SnapshotCopy: re-hashes every chunk and the manifest; with <paramref name="compareWithSource"/> also
    /// reads the primary snapshot (when it still exists) and compares. Each mismatch is also written to the
    /// sink as a CopyCorrupt error. Changes nothing.
    /// </summary>
    public async Task<SnapshotCopyTest> TestSnapshotCopyAsync(string copyId, bool compareWithSource, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var copy = await RequireCopyAsync(copyId, cancellationToken).ConfigureAwait(false);
        var storage = await RequireSecondaryStorageAsync(copy.Destination, cancellationToken).ConfigureAwait(false);
        CopyCheck.Source? source = null;
        if (compareWithSource)
        {
            var snapshot = await Inventory.GetSnapshotAsync(copy.SnapshotId, cancellationToken).ConfigureAwait(false)
                           ?? throw EngineErrors.SnapshotNotFound($"with id '{copy.SnapshotId}' (the source of copy {copy.Id})", copy.SnapshotId);
            var backend = await RequireBackendAsync(snapshot.Backend, cancellationToken).ConfigureAwait(false);
            source = new CopyCheck.Source(snapshot, backend, DriverOf(backend), Secrets.Reveal(backend));
        }
        return await CopyCheck.RunAsync(copy, storage, source, Options.ChunkStores, context.Output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Remove-SnapshotCopy: a journaled operation (DeleteCopy, see <see cref="DeleteCopyOperation"/>) that deletes
    /// the manifest (the copy is gone at once), forgets the record, then collects chunks no manifest references
    /// that are older than <paramref name="gracePeriod"/> (default 24 h). If copies are running the collection is
    /// skipped with a warning; the next removal does it. A running copy of the same snapshot makes it wait up to
    /// the lock timeout. Returns false when ShouldProcess said no.
    /// </summary>
    public async Task<bool> RemoveSnapshotCopyAsync(string copyId, OperationContext context, TimeSpan? gracePeriod = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var copy = await RequireCopyAsync(copyId, cancellationToken).ConfigureAwait(false);
        var storage = await RequireSecondaryStorageAsync(copy.Destination, cancellationToken).ConfigureAwait(false);
        var grace = gracePeriod ?? ChunkCollector.DefaultGracePeriod;
        if (grace < TimeSpan.Zero) throw new ValidationException(ErrorIds.InvalidArgument, "The grace period cannot be negative.", grace);
        if (!context.ShouldProcess($"copy {copy.Id} of snapshot '{copy.Snapshot}' of volume '{copy.Volume}' on '{storage.Name}'", "Remove the copy")) return false;
        return await runner.RunAsync(new DeleteCopyOperation(copy, storage, grace, context.Output), context).ConfigureAwait(false);
    }

    /// <summary>
    /// Remove-SnapshotCopy -Failed: frees, at once, the space failed copies took on each secondary storage named
    /// (name patterns; all when null), one journaled operation (CollectChunks, see <see cref="CollectChunksOperation"/>)
    /// per storage. Under the repository's exclusive lock — which every running copy holds shared for its whole
    /// run, so no live copy can be about to reference a chunk — it deletes every chunk no committed copy
    /// (manifest) references, with no grace period: what failed or killed copies stored and what copies removed
    /// earlier left. Then it forgets the Failed copy records (a rerun starts a new copy). Copies running there make
    /// it wait up to the lock timeout, then refuse (InvalidState, ResourceBusy) with nothing deleted. ShouldProcess
    /// is asked once per secondary storage; one storage's error is written and the next one is done. Returns what
    /// was freed, per storage. Relies on the repository lock: on a share whose locks do not work, run it only
    /// while no copy runs.
    /// </summary>
    public async Task<IReadOnlyList<FailedCopiesRemoval>> RemoveFailedCopiesAsync(IReadOnlyList<string>? destinations, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var storages = MatchByName(await Inventory.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false), destinations, s => s.Name, SecondaryErrors.StorageNotFound, context);
        var removals = new List<FailedCopiesRemoval>();
        foreach (var storage in storages)
        {
            var failed = (await Inventory.ListCopiesAsync(new CopyQuery { Destinations = new[] { storage.Name }, States = new[] { CopyState.Failed } }, cancellationToken)
                .ConfigureAwait(false)).ToList();
            var what = failed.Count == 0
                ? "Delete at once every chunk no committed copy references (no failed copy is recorded)"
                : $"Forget {failed.Count} failed copy record(s) ({TargetNames.List(failed.Select(c => c.Id))}) and delete at once every chunk no committed copy references";
            if (!context.ShouldProcess($"secondary storage '{storage.Name}' at {storage.Path}", what)) continue;
            try
            {
                var removal = await runner.RunAsync(new CollectChunksOperation(storage, context.Output), context).ConfigureAwait(false);
                Verbose(context, $"Secondary storage '{storage.Name}': forgot {removal.FailedCopiesRemoved} failed copy record(s), deleted {removal.ChunksDeleted} unreferenced chunk(s) and freed {InputRules.HumanSize(removal.BytesFreed)}.");
                removals.Add(removal);
            }
            catch (StorageSnapshotException failure) when (failure.ErrorId != ErrorIds.OperationCancelled)
            {
                context.Output.WriteError(failure);
            }
        }
        return removals;
    }

    /// <summary>
    /// Restore-StorageSnapshot -FromCopy: reverts the copy's volume to the copy, in place. Journaled
    /// (RestoreFromCopy) under the volume lock, the volume Reverting meanwhile; a safety snapshot of the volume is
    /// taken first and named in the journal; if the restore fails (corrupt copy, cancellation, I/O) the volume is
    /// reverted to it; it is deleted afterwards either way (see <see cref="RestoreInPlaceOperation"/>).
    /// Returns the volume, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Volume?> RestoreSnapshotFromCopyAsync(string copyId, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var copy = await RequireCopyAsync(copyId, cancellationToken).ConfigureAwait(false);
        RequireCopied(copy);
        var storage = await RequireSecondaryStorageAsync(copy.Destination, cancellationToken).ConfigureAwait(false);
        var volume = (copy.VolumeId is null ? null : await Inventory.GetVolumeAsync(copy.VolumeId, cancellationToken).ConfigureAwait(false))
                     ?? throw new ObjectNotFoundException(ErrorIds.VolumeNotFound,
                         $"Volume '{copy.Volume}' on backend '{copy.Backend}' (id {copy.VolumeId}), the volume copy {copy.Id} was taken from, no longer exists: the copy cannot be restored in place.", copy)
                     {
                         RecommendedAction = $"Restore copy {copy.Id} into a new volume instead.",
                         Hint = ErrorHint.RestoreIntoNewVolume(copy.Id),
                     };
        var backend = await RequireBackendAsync(volume.Backend, cancellationToken).ConfigureAwait(false);
        RequireNotInMaintenance(backend, TargetNames.Volume(volume));
        foreach (var (capability, what) in new[] { (DriverCapabilities.WriteVolume, "write volumes"), (DriverCapabilities.Snapshot, "take the safety snapshot"), (DriverCapabilities.Revert, "revert to the safety snapshot") })
            RequireCapability(backend, capability, what, TargetNames.Volume(volume));
        if (volume.State != VolumeState.Available && !SettlingStates.IsSettling(volume.State))
            throw EngineErrors.InvalidState($"Cannot restore {TargetNames.Volume(volume)}: it is {volume.State}, not Available.", volume);

        if (!context.ShouldProcess(TargetNames.Volume(volume),
                $"Overwrite with copy {copy.Id} of snapshot '{copy.Snapshot}' from '{storage.Name}' (everything written since is lost)"))
            return null;

        return await runner.RunAsync(new RestoreInPlaceOperation(new RestoreSource(copy, storage, Options.ChunkStores), volume, context.Output), context).ConfigureAwait(false);
    }

    /// <summary>
    /// New-StorageVolume -FromCopy: one journaled operation (RestoreFromCopy) that creates the volume and writes
    /// the copy into it; the volume is Creating until the data is flushed, and is removed again if the restore
    /// fails, so a failed or killed restore never leaves a volume that looks complete (see
    /// <see cref="RestoreIntoNewVolumeOperation"/>). Returns the volume, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Volume?> NewVolumeFromCopyAsync(NewVolumeFromCopyRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var copy = await RequireCopyAsync(request.CopyId, cancellationToken).ConfigureAwait(false);
        RequireCopied(copy);
        var storage = await RequireSecondaryStorageAsync(copy.Destination, cancellationToken).ConfigureAwait(false);
        var backend = await RequireBackendAsync(request.Backend ?? copy.Backend, cancellationToken).ConfigureAwait(false);
        RequireCapability(backend, DriverCapabilities.WriteVolume, "write volumes", request.Name);

        // The same checks, in the same order, as New-StorageVolume; the ShouldProcess question names the copy.
        var name = NameRules.Require("volume", request.Name);
        var problems = new List<string>();
        InputRules.Size(copy.SizeBytes, problems);
        InputRules.ThrowIfAny(problems, name);
        var target = TargetNames.Volume(backend.Name, name);
        RequireNotInMaintenance(backend, name);
        RequireCapability(backend, DriverCapabilities.CreateVolume, "create volumes", name);
        if (await Inventory.FindVolumeAsync(backend.Name, name, cancellationToken).ConfigureAwait(false) is not null)
            throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(target)} already exists.", name);
        await RequireCapacityAsync(backend, name, copy.SizeBytes, context).ConfigureAwait(false);
        if (!context.ShouldProcess(target, $"Create volume from copy {copy.Id} of snapshot '{copy.Snapshot}' on '{storage.Name}'"))
            return null;

        var now = DateTime.UtcNow;
        var planned = new Volume { Id = Ids.New(now), Name = name, Backend = backend.Name, SizeBytes = copy.SizeBytes, CreatedUtc = now };
        Verbose(context, $"Restoring copy {copy.Id} into the new {target}.");
        return await runner.RunAsync(new RestoreIntoNewVolumeOperation(planned, new RestoreSource(copy, storage, Options.ChunkStores), context.Output), context).ConfigureAwait(false);
    }

    private async Task<SecondaryStorage> RequireSecondaryStorageAsync(string? name, CancellationToken cancellationToken)
    {
        var checkedName = NameRules.Require("secondary storage", name);
        return await Inventory.GetSecondaryStorageAsync(checkedName, cancellationToken).ConfigureAwait(false)
               ?? throw SecondaryErrors.StorageNotFound(checkedName);
    }

    private async Task<SnapshotCopy> RequireCopyAsync(string? copyId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(copyId)) throw EngineErrors.InvalidArgument("A copy id is required.", copyId);
        return await Inventory.GetCopyAsync(copyId, cancellationToken).ConfigureAwait(false)
               ?? throw SecondaryErrors.CopyNotFound($"with id '{copyId}'", copyId);
    }

    private static void RequireCopied(SnapshotCopy copy)
    {
        if (copy.State != CopyState.Copied)
            throw EngineErrors.InvalidState($"Copy {copy.Id} is {copy.State}, not Copied: there is nothing to restore from.", copy);
    }
}
