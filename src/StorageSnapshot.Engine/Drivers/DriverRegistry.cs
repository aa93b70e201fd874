namespace StorageSnapshot.Engine.Drivers;

/// <summary>
/// The drivers an engine knows, by name (case-insensitive). Built explicitly — no assembly scanning — so what
/// is available is visible in code: <see cref="CreateDefault"/> lists the built-in drivers. Public, with the
/// façade: a host adds a vendor's driver (built against StorageSnapshot.Drivers.Abstractions alone) here.
/// </summary>
public sealed class DriverRegistry
{
    private readonly Dictionary<string, IStorageDriver> drivers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The built-in drivers.</summary>
    public static DriverRegistry CreateDefault()
    {
        var registry = new DriverRegistry();
        registry.Add(new Directory.DirectoryDriver());
        registry.Add(new Btrfs.BtrfsDriver());
        registry.Add(new Qcow2.Qcow2Driver());
        registry.Add(new CephRbd.CephRbdDriver());
        return registry;
    }

    /// <summary>Adds a driver; its name must be new.</summary>
    public DriverRegistry Add(IStorageDriver driver)
    {
        if (!drivers.TryAdd(driver.Descriptor.Name, driver))
            throw new InvalidOperationException($"A driver named '{driver.Descriptor.Name}' is already registered.");
        return this;
    }

    /// <summary>All drivers, by name.</summary>
    public IReadOnlyList<IStorageDriver> All => drivers.Values.OrderBy(d => d.Descriptor.Name, StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>The driver of that name, or the DriverNotFound error listing the known ones.</summary>
    public IStorageDriver Get(string name) =>
        drivers.TryGetValue(name, out var driver)
            ? driver
            : throw new ObjectNotFoundException(ErrorIds.DriverNotFound,
                $"No storage driver named '{name}'. Known drivers: {string.Join(", ", drivers.Keys.Order(StringComparer.OrdinalIgnoreCase))}.",
                name);
}
