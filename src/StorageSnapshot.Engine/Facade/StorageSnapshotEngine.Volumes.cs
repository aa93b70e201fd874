using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;

namespace StorageSnapshot.Engine.Facade;

// Volumes: Get-/New-/Remove-StorageVolume and New-StorageVolume -FromSnapshot.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>
    /// Get-StorageVolume: volumes matching every given filter (name patterns, backend names or patterns, ids).
    /// A plain name, backend or id that matches nothing is reported through the sink (VolumeNotFound,
    /// BackendNotFound) and the rest is returned.
    /// </summary>
    public async Task<IReadOnlyList<Volume>> GetVolumesAsync(VolumeFilter filter, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;

        IReadOnlyCollection<string>? backends = null;
        if (filter.Backends is { Count: > 0 })
        {
            var all = await Inventory.ListBackendsAsync(cancellationToken).ConfigureAwait(false);
            backends = MatchByName(all, filter.Backends, b => b.Name, EngineErrors.BackendNotFound, context).Select(b => b.Name).ToList();
            if (backends.Count == 0) return Array.Empty<Volume>();
        }

        IEnumerable<Volume> volumes = await Inventory.ListVolumesAsync(backends, cancellationToken).ConfigureAwait(false);
        if (filter.Ids is { Count: > 0 } ids)
        {
            var list = volumes.ToList();
            foreach (var missing in ids.Where(id => !list.Any(v => string.Equals(v.Id, id, StringComparison.OrdinalIgnoreCase))))
                context.Output.WriteError(EngineErrors.VolumeNotFound($"with id '{missing}'", missing));
            volumes = list.Where(v => ids.Contains(v.Id, StringComparer.OrdinalIgnoreCase));
        }
        return MatchByName(volumes, filter.Names, v => v.Name, name => EngineErrors.VolumeNotFound($"named '{name}'", name), context);
    }

    /// <summary>New-StorageVolume: an empty volume. Returns it Available, or null when ShouldProcess said no.</summary>
    public async Task<Volume?> NewVolumeAsync(NewVolumeRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var name = NameRules.Require("volume", request.Name);
        var problems = new List<string>();
        InputRules.Size(request.SizeBytes, problems);
        InputRules.ThrowIfAny(problems, name);

        var backend = await RequireBackendAsync(request.Backend, cancellationToken).ConfigureAwait(false);
        var target = TargetNames.Volume(backend.Name, name);
        RequireNotInMaintenance(backend, name);
        RequireCapability(backend, DriverCapabilities.CreateVolume, "create volumes", name);
        if (await Inventory.FindVolumeAsync(backend.Name, name, cancellationToken).ConfigureAwait(false) is not null)
            throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(target)} already exists.", name);
        await RequireCapacityAsync(backend, name, request.SizeBytes, context).ConfigureAwait(false);

        if (!context.ShouldProcess(target, $"Create a {InputRules.HumanSize(request.SizeBytes)} volume"))
            return null;

        var now = DateTime.UtcNow;
        var planned = new Volume { Id = Ids.New(now), Name = name, Backend = backend.Name, SizeBytes = request.SizeBytes, CreatedUtc = now };
        Verbose(context, $"Creating {target} ({InputRules.HumanSize(request.SizeBytes)}).");
        return await runner.RunAsync(CreateVolumeOperation.Empty(planned), context).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the backend, before ShouldProcess, whether it can hold a new volume of <paramref name="sizeBytes"/>
    /// (<see cref="IDriverBackend.CheckNewVolumeAsync"/>): a size it cannot hold is refused with InvalidArgument
    /// before any inventory row, journal entry or lock file exists (issue 8: a 1 PiB volume on a small filesystem
    /// left all three); what it allows but is worth knowing goes out as warnings. A backend that cannot be opened
    /// is left to the operation, which reports that as it always has.
    /// </summary>
    private async Task RequireCapacityAsync(Backend backend, string name, long sizeBytes, OperationContext context)
    {
        var cancellationToken = context.CancellationToken;
        var driver = DriverOf(backend);
        var properties = Secrets.Reveal(backend);
        var secretValues = StorageSnapshot.Engine.Secrets.BackendSecrets.SecretValues(driver, properties);
        var target = TargetNames.Volume(backend.Name, name);
        IDriverBackend session;
        try
        {
            session = await driver.OpenBackendAsync(backend.Name, properties, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw EngineErrors.Cancelled($"Cancelled while asking backend '{backend.Name}' whether it can hold {target}; nothing was created.", name);
        }
        catch (Exception e) when (e is not StorageSnapshotException)
        {
            return; // a backend that cannot be opened is left to the operation, which reports it as it always has
        }

        CapacityCheck check;
        try
        {
            check = await session.CheckNewVolumeAsync(sizeBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw EngineErrors.Cancelled($"Cancelled while asking backend '{backend.Name}' whether it can hold {target}; nothing was created.", name);
        }
        catch (Exception e) when (e is not StorageSnapshotException)
        {
            // The fault suite found a driver's failure here escaping untyped.
            throw new DriverFailedException(
                $"Driver '{backend.Driver}' failed to check whether it can hold {target}: {StorageSnapshot.Engine.Secrets.SecretText.Mask(e.Message, secretValues)}. Nothing was created.",
                name, StorageSnapshot.Engine.Secrets.SecretText.Scrub(e, secretValues));
        }
        finally
        {
            await CloseQuietlyAsync(session, backend, context).ConfigureAwait(false);
        }
        foreach (var warning in check.Warnings) context.Output.WriteWarning($"{TargetNames.Capitalize(TargetNames.Volume(backend.Name, name))}: {warning}");
        if (check.Problems.Count > 0)
        {
            throw new ValidationException(ErrorIds.InvalidArgument, check.Problems, name)
            {
                RecommendedAction = "Choose a smaller size, or another backend. Nothing was created.",
                Hint = ErrorHint.ChooseSmallerVolume(),
            };
        }
    }

    /// <summary>A session that fails to close has done its work: its failure is a warning, never the command's error.</summary>
    private static async Task CloseQuietlyAsync(IDriverBackend session, Backend backend, OperationContext context)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context.Output.WriteWarning($"Closing the session of driver '{backend.Driver}' on backend '{backend.Name}' failed: {e.Message}");
        }
    }

    /// <summary>
    /// New-StorageVolume -FromSnapshot: a new volume on the snapshot's backend whose contents are the
    /// snapshot's. Returns it Available, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Volume?> CloneVolumeAsync(CloneVolumeRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var name = NameRules.Require("volume", request.Name);
        var (source, sourceVolume) = await RequireSnapshotAsync(request.Source, cancellationToken).ConfigureAwait(false);
        var backend = await RequireBackendAsync(source.Backend, cancellationToken).ConfigureAwait(false);
        var target = TargetNames.Volume(backend.Name, name);
        RequireNotInMaintenance(backend, name);
        RequireCapability(backend, DriverCapabilities.Clone, "clone volumes from snapshots", name);
        if (source.State != SnapshotState.Ready && !SettlingStates.IsSettling(source.State))
            throw EngineErrors.InvalidState($"Cannot clone {TargetNames.Snapshot(source)}: it is {source.State}, not Ready.", source);
        if (await Inventory.FindVolumeAsync(backend.Name, name, cancellationToken).ConfigureAwait(false) is not null)
            throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(target)} already exists.", name);

        if (!context.ShouldProcess(target, $"Create a volume as a clone of {TargetNames.Snapshot(source)}"))
            return null;

        var now = DateTime.UtcNow;
        var planned = new Volume
        {
            Id = Ids.New(now),
            Name = name,
            Backend = backend.Name,
            SizeBytes = source.SizeBytes,
            CreatedUtc = now,
            CreatedFromSnapshotId = source.Id,
        };
        Verbose(context, $"Cloning {TargetNames.Snapshot(source)} into {target}.");
        return await runner.RunAsync(CreateVolumeOperation.Clone(planned, source), context).ConfigureAwait(false);
    }

    /// <summary>
    /// Remove-StorageVolume. Refuses with VolumeHasSnapshots while the volume has snapshots, unless
    /// <see cref="RemoveVolumeRequest.IncludeSnapshots"/>: then they are deleted first, newest first, each as its own
    /// operation (and SnapshotHasDependents, checked for all of them before anything is deleted, refuses the whole
    /// removal). ShouldProcess is asked once, for the volume, naming the snapshots. Returns false when it said no.
    /// </summary>
    public async Task<bool> RemoveVolumeAsync(RemoveVolumeRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var volume = await RequireVolumeAsync(request.Volume, cancellationToken).ConfigureAwait(false);
        var backend = await RequireBackendAsync(volume.Backend, cancellationToken).ConfigureAwait(false);
        var target = TargetNames.Volume(volume);
        RequireNotInMaintenance(backend, volume);
        RequireCapability(backend, DriverCapabilities.Delete, "delete volumes", volume);
        if (volume.State is not (VolumeState.Available or VolumeState.Error) && !SettlingStates.IsSettling(volume.State))
            throw EngineErrors.InvalidState($"Cannot delete {target}: it is {volume.State}; only Available or Error volumes can be deleted.", volume);

        var snapshots = await Inventory.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = new[] { volume.Id } }, cancellationToken).ConfigureAwait(false);
        if (snapshots.Count > 0 && !request.IncludeSnapshots) throw DeleteVolumeOperation.VolumeHasSnapshots(volume, snapshots);

        var capabilities = DriverOf(backend).Descriptor.Capabilities;
        foreach (var snapshot in snapshots)
        {
            var plan = await ImpactPlanner.PlanRemoveAsync(Inventory, snapshot, volume, capabilities, backend.Driver, cancellationToken).ConfigureAwait(false);
            if (plan.Refusal is not null) throw plan.Refusal;
        }

        var action = snapshots.Count == 0
            ? "Delete the volume and its data"
            : $"Delete the volume, its data and its {snapshots.Count} snapshot(s) {TargetNames.List(snapshots.Select(s => s.Name))}";
        if (!context.ShouldProcess(target, action)) return false;

        // Newest first, so each delete finds no children to re-parent.
        foreach (var snapshot in snapshots.OrderByDescending(s => s.CreatedUtc).ThenByDescending(s => s.Id, StringComparer.Ordinal))
        {
            Verbose(context, $"Deleting {TargetNames.Snapshot(snapshot)} before its volume.");
            await runner.RunAsync(new DeleteSnapshotOperation(snapshot, volume, capabilities.HasFlag(DriverCapabilities.ClonesDependOnSnapshot)), context).ConfigureAwait(false);
        }

        // Not cancellable: the snapshots may be gone already, and a cancellation from here on must surface from the
        // runner as OperationCancelled, not as a plain OperationCanceledException from this read.
        var current = await Inventory.GetVolumeAsync(volume.Id, CancellationToken.None).ConfigureAwait(false) ?? volume;
        Verbose(context, $"Deleting {target}.");
        return await runner.RunAsync(new DeleteVolumeOperation(current), context).ConfigureAwait(false);
    }
}
