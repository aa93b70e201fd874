using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations.Changes;

/// <summary>
/// The rules a backend change must keep, checked twice: by the façade before ShouldProcess (so -WhatIf reports a
/// refusal) and again by the change inside its transaction (another process may have changed the inventory since).
/// </summary>
internal sealed class BackendRules(DriverRegistry drivers)
{
    /// <summary>Refuses to forget a backend the inventory still has volumes on (BackendHasVolumes).</summary>
    public async Task RequireNoVolumesAsync(IInventoryReader reader, Backend backend, CancellationToken cancellationToken)
    {
        var volumes = await reader.ListVolumesAsync(new[] { backend.Name }, cancellationToken).ConfigureAwait(false);
        if (volumes.Count > 0)
        {
            throw new ConflictException(ErrorIds.BackendHasVolumes,
                $"{TargetNames.Capitalize(TargetNames.Backend(backend.Name))} still has {volumes.Count} volume(s) in the inventory: {TargetNames.List(volumes.Select(v => v.Name))}. Remove them first.",
                RedactedIfKnown(backend)); // the target reaches $Error: never with secret properties in clear
        }
    }

    /// <summary>
    /// A backend's data location cannot move under its volumes: their references and locations would name other
    /// data, and removing one would delete whatever the new location holds under that name (issue 8: another
    /// backend's image was deleted this way).
    /// </summary>
    public async Task RequireNoVolumesToRelocateAsync(IInventoryReader reader, Backend backend, IReadOnlyList<string> relocating, CancellationToken cancellationToken)
    {
        var volumes = await reader.ListVolumesAsync(new[] { backend.Name }, cancellationToken).ConfigureAwait(false);
        if (volumes.Count == 0) return;
        var named = string.Join(", ", relocating.Select(p => $"'{p}'"));
        throw new ConflictException(ErrorIds.BackendHasVolumes,
            $"Property {named} of {TargetNames.Backend(backend.Name)} says where its data is and cannot change while it has {volumes.Count} volume(s) in the inventory: {TargetNames.List(volumes.Select(v => v.Name))}. Nothing was changed.",
            RedactedIfKnown(backend))
        {
            RecommendedAction = "To move the data, register a new backend on the new location and restore copies of the volumes into it, or remove the volumes first.",
            Hint = ErrorHint.MoveBackendData(backend.Name),
        };
    }

    /// <summary>Two backends may not manage the same storage: refuses a location that equals, contains or lies inside another backend's.</summary>
    public async Task RequireOwnLocationAsync(IInventoryReader reader, IStorageDriver driver, string name, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        var location = driver.DataLocation(properties);
        if (location is null) return;
        foreach (var other in await reader.ListBackendsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(other.Name, name, StringComparison.OrdinalIgnoreCase)) continue;
            var otherLocation = Find(other.Driver)?.DataLocation(other.Properties);
            if (otherLocation is null || !DataLocations.Overlap(location, otherLocation)) continue;
            throw PropertiesInvalid(name, driver, new[]
            {
                $"The storage at {location} overlaps the storage of backend '{other.Name}' ({otherLocation}): two backends may not manage the same storage.",
            });
        }
    }

    /// <summary>The names of the properties that say where the data is and differ between the two sets.</summary>
    public static List<string> LocatingPropertiesChanged(IStorageDriver driver, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        driver.Descriptor.Schema.Properties
            .Where(p => p.LocatesData)
            .Where(p => before.GetValueOrDefault(p.Name) != after.GetValueOrDefault(p.Name))
            .Select(p => p.Name)
            .ToList();

    /// <summary>PropertyValidationFailed with one line per problem, and the hint to fix them.</summary>
    public static ValidationException PropertiesInvalid(string backend, IStorageDriver driver, IReadOnlyList<string> problems) =>
        new(ErrorIds.PropertyValidationFailed, problems, backend)
        {
            RecommendedAction = $"Fix the properties of backend '{backend}'; the schema of driver '{driver.Descriptor.Name}' lists what it takes.",
            Hint = ErrorHint.FixBackendProperties(backend, driver.Descriptor.Name),
        };

    /// <summary>The backend with its secret properties masked.</summary>
    public static Backend Redacted(IStorageDriver driver, Backend backend) =>
        backend with { Properties = driver.Descriptor.Schema.Redact(backend.Properties) };

    /// <summary>The backend with its secret properties masked, when its driver is known (as it is unless a build lost it).</summary>
    public Backend RedactedIfKnown(Backend backend) => Find(backend.Driver) is { } driver ? Redacted(driver, backend) : backend;

    private IStorageDriver? Find(string driver) =>
        drivers.All.FirstOrDefault(d => string.Equals(d.Descriptor.Name, driver, StringComparison.OrdinalIgnoreCase));
}
