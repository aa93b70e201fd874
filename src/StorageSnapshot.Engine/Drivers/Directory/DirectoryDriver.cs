using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>PLACEHOLDER: the directory driver lands with the driver work.</summary>
public sealed class DirectoryDriver : IStorageDriver
{
    /// <inheritdoc />
    public DriverDescriptor Descriptor { get; } = new("directory", "Volumes are sparse image files in a directory.", DriverCapabilities.None, PropertySchema.Empty);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken) => throw new NotImplementedException();
}
