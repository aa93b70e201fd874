using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;

namespace StorageSnapshot.Engine.Facade;

// Look-ups shared by the use cases: a selector or a name becomes an inventory object, or the not-found error
// naming what was asked for. Plain reads; the operations re-read under the volume lock.
public sealed partial class StorageSnapshotEngine
{
    private async Task<Backend> RequireBackendAsync(string? name, CancellationToken cancellationToken)
    {
        NameRules.Require("backend", name);
        return await Inventory.GetBackendAsync(name!, cancellationToken).ConfigureAwait(false)
               ?? throw EngineErrors.BackendNotFound(name!);
    }

    private async Task<Volume> RequireVolumeAsync(VolumeSelector selector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (selector.Id is { } id)
        {
            return await Inventory.GetVolumeAsync(id, cancellationToken).ConfigureAwait(false)
                   ?? throw EngineErrors.VolumeNotFound($"with id '{id}'", id);
        }

        var name = NameRules.Require("volume", selector.Name);
        if (selector.Backend is not null)
        {
            var backend = await RequireBackendAsync(selector.Backend, cancellationToken).ConfigureAwait(false);
            return await Inventory.FindVolumeAsync(backend.Name, name, cancellationToken).ConfigureAwait(false)
                   ?? throw EngineErrors.VolumeNotFound($"named '{name}' on backend '{backend.Name}'", name);
        }

        var found = new List<Volume>();
        foreach (var backend in await Inventory.ListBackendsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await Inventory.FindVolumeAsync(backend.Name, name, cancellationToken).ConfigureAwait(false) is { } volume) found.Add(volume);
        }
        return found.Count switch
        {
            0 => throw EngineErrors.VolumeNotFound($"named '{name}' on any backend", name),
            1 => found[0],
            _ => throw new ValidationException(ErrorIds.InvalidArgument,
                $"A volume named '{name}' exists on several backends ({TargetNames.List(found.Select(v => v.Backend))}); name the backend to say which.", name)
            {
                Hint = ErrorHint.NameTheBackend(name),
            },
        };
    }

    private async Task<(Snapshot Snapshot, Volume Volume)> RequireSnapshotAsync(SnapshotSelector selector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        Snapshot? snapshot;
        if (selector.Id is { } id)
        {
            snapshot = await Inventory.GetSnapshotAsync(id, cancellationToken).ConfigureAwait(false)
                       ?? throw EngineErrors.SnapshotNotFound($"with id '{id}'", id);
        }
        else
        {
            var name = NameRules.Require("snapshot", selector.Name);
            if (selector.Volume is not null)
            {
                var volume = await RequireVolumeAsync(new VolumeSelector(Backend: selector.Backend, Name: selector.Volume), cancellationToken).ConfigureAwait(false);
                snapshot = await Inventory.FindSnapshotByNameAsync(volume.Id, name, cancellationToken).ConfigureAwait(false)
                           ?? throw EngineErrors.SnapshotNotFound($"named '{name}' on {TargetNames.Volume(volume)}", name);
                return (snapshot, volume);
            }

            var backends = selector.Backend is null ? null : new[] { (await RequireBackendAsync(selector.Backend, cancellationToken).ConfigureAwait(false)).Name };
            var matches = (await Inventory.ListSnapshotsAsync(new SnapshotQuery { Backends = backends }, cancellationToken).ConfigureAwait(false))
                .Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
                .ToList();
            snapshot = matches.Count switch
            {
                0 => throw EngineErrors.SnapshotNotFound($"named '{name}'", name),
                1 => matches[0],
                _ => throw new ValidationException(ErrorIds.InvalidArgument,
                    $"Snapshots named '{name}' exist on several volumes ({TargetNames.List(matches.Select(s => $"{s.Backend}/{s.Volume}"))}); name the volume (and its backend), or give the id, to say which.", name)
                {
                    Hint = ErrorHint.NameTheVolume(name),
                },
            };
        }

        var owner = await Inventory.GetVolumeAsync(snapshot.VolumeId, cancellationToken).ConfigureAwait(false)
                    ?? throw EngineErrors.VolumeNotFound($"with id '{snapshot.VolumeId}' (the volume of snapshot '{snapshot.Name}')", snapshot.VolumeId);
        return (snapshot, owner);
    }

    /// <summary>The driver of a backend (DriverNotFound when the backend names one this engine does not have).</summary>
    private IStorageDriver DriverOf(Backend backend) => Options.Drivers.Get(backend.Driver);

    /// <summary>Refuses new work on a backend in maintenance (checked again in phase one under the lock).</summary>
    private static void RequireNotInMaintenance(Backend backend, object? target)
    {
        if (backend.MaintenanceMode) throw EngineErrors.InMaintenance(backend, target);
    }

    /// <summary>Refuses, before asking ShouldProcess, an operation the driver cannot do at all.</summary>
    private void RequireCapability(Backend backend, DriverCapabilities capability, string operation, object? target)
    {
        var driver = DriverOf(backend);
        if (!driver.Descriptor.Capabilities.HasFlag(capability))
            throw new CapabilityNotSupportedException(driver.Descriptor.Name, capability, operation, target);
    }

    /// <summary>
    /// Items matched by name patterns. A plain name (no wildcard) that matches nothing is reported through the
    /// sink with <paramref name="notFound"/>; patterns that match nothing are not errors.
    /// </summary>
    private static List<T> MatchByName<T>(IEnumerable<T> items, IReadOnlyList<string>? patterns, Func<T, string> nameOf,
        Func<string, StorageSnapshotException> notFound, OperationContext context)
    {
        var all = items.ToList();
        if (patterns is null || patterns.Count == 0) return all;
        var wildcards = patterns.Select(Wildcard.Parse).ToList();
        foreach (var plain in wildcards.Where(w => !w.IsPattern && !all.Any(i => w.IsMatch(nameOf(i)))))
            context.Output.WriteError(notFound(plain.Pattern));
        return all.Where(i => wildcards.Any(w => w.IsMatch(nameOf(i)))).ToList();
    }

    private static void Verbose(OperationContext context, string message) => context.Output.WriteVerbose(message);
}
