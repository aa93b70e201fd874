using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Operations.Changes;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Facade;

// Drivers and backends: Get-StorageDriver, Register-/Get-/Set-/Unregister-StorageBackend. Backends live in
// the inventory only: registering or unregistering one never touches its storage.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>Get-StorageDriver: drivers by name pattern (all when null). A plain name that matches nothing → DriverNotFound via the sink.</summary>
    public IReadOnlyList<DriverInfo> GetDrivers(IReadOnlyList<string>? names, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return MatchByName(Options.Drivers.All, names, d => d.Descriptor.Name,
                name => new ObjectNotFoundException(ErrorIds.DriverNotFound,
                    $"No storage driver named '{name}'. Known drivers: {string.Join(", ", Options.Drivers.All.Select(d => d.Descriptor.Name))}.", name),
                context)
            .Select(d => d.Descriptor.ToInfo())
            .ToList();
    }

    /// <summary>
    /// Register-StorageBackend. Validates the name, the driver and the properties (the driver's schema, then
    /// the driver's own checks: every problem in one PropertyValidationFailed error, one line each) before
    /// asking ShouldProcess. A credential fills the properties the driver maps it to. Secret properties are stored
    /// protected (<see cref="BackendSecrets"/>) and never appear in a message, event or returned object.
    /// Returns the backend with secret properties masked, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Backend?> RegisterBackendAsync(RegisterBackendRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var name = NameRules.Require("backend", request.Name);
        var driver = Options.Drivers.Get(request.Driver ?? string.Empty);
        if (await Inventory.GetBackendAsync(name, cancellationToken).ConfigureAwait(false) is { } existing)
            throw EngineErrors.AlreadyExists($"A backend named '{existing.Name}' is already registered (driver '{existing.Driver}').", name);

        var given = WithCredential(driver, name, request.Properties, request.Credential);
        var properties = await ValidatePropertiesAsync(driver, name, given, null, cancellationToken).ConfigureAwait(false);
        await backendRules.RequireOwnLocationAsync(Inventory, driver, name, properties, cancellationToken).ConfigureAwait(false);
        var backend = new Backend
        {
            Name = name,
            Driver = driver.Descriptor.Name,
            Properties = Secrets.Protect(driver, name, properties),
            RegisteredUtc = DateTime.UtcNow,
        };

        var shown = BackendRules.Redacted(driver, backend);
        if (!context.ShouldProcess(TargetNames.Backend(name), $"Register storage backend (driver '{backend.Driver}'{DescribeProperties(shown.Properties)})"))
            return null;

        backend = await runner.ApplyAsync(new RegisterBackendChange(backendRules, driver, backend, properties), context).ConfigureAwait(false);
        Verbose(context, $"Registered {TargetNames.Backend(name)} with driver '{backend.Driver}'.");
        return BackendRules.Redacted(driver, backend);
    }

    /// <summary>
    /// The property schema of <paramref name="driver"/>, or, when that is null, of the driver of backend
    /// <paramref name="backend"/>; null when there is no such driver or backend (the use case then says so). Front
    /// ends use it to resolve relative paths in Path properties against their own current location before calling
    /// Register-/Set-StorageBackend: the engine itself takes absolute paths only. Changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<PropertyInfo>?> FindPropertySchemaAsync(string? driver, string? backend, CancellationToken cancellationToken)
    {
        var driverName = driver;
        if (driverName is null && backend is not null && NameRules.Check("backend", backend) is null)
            driverName = (await Inventory.GetBackendAsync(backend, cancellationToken).ConfigureAwait(false))?.Driver;
        var found = driverName is null ? null : Options.Drivers.All.FirstOrDefault(d => string.Equals(d.Descriptor.Name, driverName, StringComparison.OrdinalIgnoreCase));
        return found?.Descriptor.Schema.Properties.Select(p => p.ToInfo()).ToArray();
    }

    /// <summary>Get-StorageBackend: by name pattern (all when null); a plain name that matches nothing → BackendNotFound via the sink.</summary>
    public async Task<IReadOnlyList<Backend>> GetBackendsAsync(IReadOnlyList<string>? names, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var all = await Inventory.ListBackendsAsync(context.CancellationToken).ConfigureAwait(false);
        return MatchByName(all, names, b => b.Name, EngineErrors.BackendNotFound, context)
            .Select(backendRules.RedactedIfKnown)
            .ToList();
    }

    /// <summary>
    /// Set-StorageBackend: merges properties over the existing ones (validated like at registration), switches
    /// maintenance mode on or off (with a reason). Works while the backend is in maintenance; operations already
    /// running finish. Returns the backend, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Backend?> SetBackendAsync(SetBackendRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var backend = await RequireBackendAsync(request.Name, cancellationToken).ConfigureAwait(false);
        var driver = DriverOf(backend);

        var problems = new List<string>();
        InputRules.Text("maintenance reason", request.Reason, problems);
        var maintenance = request.MaintenanceMode ?? backend.MaintenanceMode;
        if (request.Reason is not null && !maintenance)
            problems.Add("A maintenance reason applies only to a backend in maintenance mode; switch maintenance mode on with it.");
        InputRules.ThrowIfAny(problems, backend.Name, request.Reason is not null && !maintenance ? ErrorHint.MaintenanceModeForReason(backend.Name) : null);

        // Changed properties are validated over the clear current ones (a secret being replaced is not revealed:
        // that is how a secret whose key was lost is set again), then stored with the secrets protected anew.
        var given = WithCredential(driver, backend.Name, request.Properties, request.Credential);
        var properties = backend.Properties;
        IReadOnlyDictionary<string, string> comparedBefore = backend.Properties, comparedAfter = backend.Properties;
        if (given is not null)
        {
            comparedBefore = Secrets.Reveal(backend, replaced: given.Keys.ToArray());
            comparedAfter = await ValidatePropertiesAsync(driver, backend.Name, given, comparedBefore, cancellationToken).ConfigureAwait(false);
            if (!SameValues(comparedBefore, comparedAfter)) properties = Secrets.Protect(driver, backend.Name, comparedAfter);
        }
        var updated = backend with
        {
            Properties = properties,
            MaintenanceMode = maintenance,
            MaintenanceReason = maintenance ? request.Reason ?? backend.MaintenanceReason : null,
        };
        var relocating = BackendRules.LocatingPropertiesChanged(driver, backend.Properties, properties);
        if (relocating.Count > 0)
        {
            await backendRules.RequireNoVolumesToRelocateAsync(Inventory, backend, relocating, cancellationToken).ConfigureAwait(false);
            await backendRules.RequireOwnLocationAsync(Inventory, driver, backend.Name, properties, cancellationToken).ConfigureAwait(false);
        }

        var changes = DescribeChanges(driver, backend with { Properties = comparedBefore }, updated with { Properties = comparedAfter });
        if (!context.ShouldProcess(TargetNames.Backend(backend.Name), changes.Count == 0 ? "Set storage backend (no change)" : "Set storage backend: " + string.Join("; ", changes)))
            return null;
        if (changes.Count == 0)
        {
            Verbose(context, $"Nothing to change on {TargetNames.Backend(backend.Name)}.");
            return BackendRules.Redacted(driver, backend);
        }

        updated = await runner.ApplyAsync(new SetBackendChange(backendRules, driver, updated, changes), context).ConfigureAwait(false);
        foreach (var change in changes) Verbose(context, $"{TargetNames.Capitalize(TargetNames.Backend(backend.Name))}: {change}.");
        if (updated.MaintenanceMode && !backend.MaintenanceMode)
            Verbose(context, "New operations on it are refused with BackendInMaintenance; operations already running finish.");
        return BackendRules.Redacted(driver, updated);
    }

    /// <summary>
    /// Unregister-StorageBackend: forgets the backend (never touches its data). Refuses with BackendHasVolumes
    /// while the inventory has volumes on it. Returns false when ShouldProcess said no.
    /// </summary>
    public async Task<bool> UnregisterBackendAsync(string name, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var backend = await RequireBackendAsync(name, cancellationToken).ConfigureAwait(false);
        await backendRules.RequireNoVolumesAsync(Inventory, backend, cancellationToken).ConfigureAwait(false);

        if (!context.ShouldProcess(TargetNames.Backend(backend.Name), "Unregister storage backend (its storage and data are not touched)"))
            return false;

        await runner.ApplyAsync(new UnregisterBackendChange(backendRules, backend), context).ConfigureAwait(false);
        Verbose(context, $"Unregistered {TargetNames.Backend(backend.Name)}; its storage was not touched.");
        return true;
    }

    private static bool SameValues(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var value) && value == p.Value);

    /// <summary>
    /// The properties given, with the credential's user name and secret in the properties the driver maps them to.
    /// Refuses a credential for a driver that takes none, and a property given both ways. Null when neither is given.
    /// </summary>
    private static IReadOnlyDictionary<string, object?>? WithCredential(IStorageDriver driver, string backend, IReadOnlyDictionary<string, object?>? given, BackendCredential? credential)
    {
        if (credential is null) return given;
        var schema = driver.Descriptor.Schema;
        var secretProperty = schema.CredentialProperty(CredentialPart.Password);
        if (secretProperty is null)
        {
            throw BackendRules.PropertiesInvalid(backend, driver, new[]
            {
                $"Driver '{driver.Descriptor.Name}' takes no credential (the credential given was not stored).",
            });
        }
        var merged = new Dictionary<string, object?>(given ?? new Dictionary<string, object?>(), StringComparer.OrdinalIgnoreCase);
        var parts = new[] { schema.CredentialProperty(CredentialPart.UserName), secretProperty }.OfType<PropertyDefinition>().ToList();
        var twice = parts.Where(p => merged.ContainsKey(p.Name)).Select(p => $"Property '{p.Name}' is given both in the credential and in the properties; give it one way.").ToList();
        if (twice.Count > 0) throw BackendRules.PropertiesInvalid(backend, driver, twice);
        foreach (var part in parts) merged[part.Name] = part.Credential == CredentialPart.UserName ? credential.UserName : credential.Secret;
        return merged;
    }

    /// <summary>
    /// The driver's schema, then the driver's own checks; every problem in one PropertyValidationFailed error, with
    /// any secret value the driver's words quote masked (given or stored, right or wrong).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string>> ValidatePropertiesAsync(IStorageDriver driver, string backend,
        IReadOnlyDictionary<string, object?>? given, IReadOnlyDictionary<string, string>? existing, CancellationToken cancellationToken)
    {
        var normalized = driver.Descriptor.Schema.Normalize(given, existing);
        var secretValues = SecretValuesOf(driver, given, existing);
        if (!normalized.IsValid) throw BackendRules.PropertiesInvalid(backend, driver, normalized.Problems.Select(p => SecretText.Mask(p, secretValues)).ToList());

        IReadOnlyList<string> problems;
        try
        {
            problems = await driver.ValidateBackendAsync(normalized.Values!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (StorageSnapshotException or OperationCanceledException))
        {
            throw new DriverFailedException($"Driver '{driver.Descriptor.Name}' failed to check the properties of backend '{backend}': {SecretText.Mask(e.Message, secretValues)}",
                backend, SecretText.Scrub(e, secretValues));
        }
        if (problems.Count > 0) throw BackendRules.PropertiesInvalid(backend, driver, problems.Select(p => SecretText.Mask(p, secretValues)).ToList());
        return normalized.Values!;
    }

    /// <summary>Every value a secret property has in <paramref name="given"/> or <paramref name="existing"/>, as text.</summary>
    private static IReadOnlyCollection<string> SecretValuesOf(IStorageDriver driver, IReadOnlyDictionary<string, object?>? given, IReadOnlyDictionary<string, string>? existing)
    {
        var values = new List<string>();
        foreach (var (key, value) in given ?? new Dictionary<string, object?>())
        {
            if (value is null || !driver.Descriptor.Schema.IsSecret(key)) continue;
            values.Add(value as string ?? (value as IFormattable)?.ToString(null, System.Globalization.CultureInfo.InvariantCulture) ?? value.ToString() ?? "");
        }
        if (existing is not null) values.AddRange(BackendSecrets.SecretValues(driver, existing));
        return values.Where(v => v.Length > 0).ToArray();
    }

    private static List<string> DescribeChanges(IStorageDriver driver, Backend before, Backend after)
    {
        var changes = new List<string>();
        if (before.MaintenanceMode != after.MaintenanceMode)
            changes.Add(after.MaintenanceMode ? $"maintenance mode on ({after.MaintenanceReason ?? "no reason given"})" : "maintenance mode off");
        else if (after.MaintenanceMode && before.MaintenanceReason != after.MaintenanceReason)
            changes.Add($"maintenance reason '{after.MaintenanceReason}'");

        var shownBefore = driver.Descriptor.Schema.Redact(before.Properties);
        var shownAfter = driver.Descriptor.Schema.Redact(after.Properties);
        foreach (var key in shownBefore.Keys.Union(shownAfter.Keys, StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase))
        {
            var had = before.Properties.TryGetValue(key, out var old);
            var has = after.Properties.TryGetValue(key, out var now);
            if (had && has && old == now) continue;
            changes.Add(!has ? $"remove property {key}" : $"property {key} = {shownAfter[key]}");
        }
        return changes;
    }

    private static string DescribeProperties(IReadOnlyDictionary<string, string> shown) =>
        shown.Count == 0 ? "" : ", " + string.Join(", ", shown.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => $"{p.Key} = {p.Value}"));
}
