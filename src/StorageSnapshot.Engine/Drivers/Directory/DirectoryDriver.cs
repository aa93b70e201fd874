using StorageSnapshot.Engine.Platform;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// The built-in <c>directory</c> driver: a backend is a directory, a volume a sparse raw image file in it, a
/// snapshot a reflink clone of the image (a sparse copy where the filesystem cannot reflink). It needs no array,
/// which makes it the default for trying the module and for users' Pester tests, and on XFS or btrfs it is a
/// real space-efficient snapshot store with exact changed ranges. The layout is described on
/// <see cref="DirectoryLayout"/>.
/// </summary>
internal sealed class DirectoryDriver : IStorageDriver
{
    /// <summary>The registry name.</summary>
    public const string DriverName = "directory";

    /// <summary>The backend directory.</summary>
    public const string PathProperty = "Path";

    /// <summary>The permissions of the image files and folders the backend creates.</summary>
    public const string ModeProperty = "Mode";

    private const DriverCapabilities Declared = DriverCapabilities.CreateVolume | DriverCapabilities.Snapshot
        | DriverCapabilities.Revert | DriverCapabilities.Clone | DriverCapabilities.Delete | DriverCapabilities.ReadSnapshot
        | DriverCapabilities.WriteVolume | DriverCapabilities.ChangedRanges;

    private readonly bool useReflink;
    private readonly Action<long>? onBytesCopied;

    /// <summary>Creates the driver.</summary>
    public DirectoryDriver()
        : this(useReflink: true, onBytesCopied: null)
    {
    }

    /// <summary>
    /// Creates the driver with reflinks off and/or an observer of copied bytes: tests use it to drive the copy
    /// path on any filesystem and to inject faults in the middle of a copy.
    /// </summary>
    internal DirectoryDriver(bool useReflink, Action<long>? onBytesCopied)
    {
        this.useReflink = useReflink;
        this.onBytesCopied = onBytesCopied;
    }

    /// <inheritdoc />
    public DriverDescriptor Descriptor { get; } = new(
        DriverName,
        "Volumes are sparse image files in a local directory; snapshots are reflink clones (XFS, btrfs) or sparse copies.",
        Declared,
        new PropertySchema(new PropertyDefinition(
            PathProperty,
            PropertyType.Path,
            "Absolute path of an existing, writable directory that holds the volume and snapshot images. Cannot change while the backend has volumes; no two backends may share or nest directories.",
            Required: true,
            LocatesData: true),
        new PropertyDefinition(
            ModeProperty,
            PropertyType.String,
            "Permissions of the volume and snapshot images the backend creates, in octal: 0600 (the default: the owner only), 0640 (its group may read) or 0660 (its group may read and write). The folders it creates get 0700, 0750 or 0770. Applies to images made from then on; world access is never given.",
            Validate: value => FilePermissions.Parse(value) is null ? $"must be one of {string.Join(", ", FilePermissions.AcceptedModes)}; got '{value}'." : null,
            Canonicalize: value => FilePermissions.Parse(value)!.FileOctal)));

    /// <inheritdoc />
    /// <remarks>The backend directory with every symbolic link resolved, so two paths to one folder compare equal.</remarks>
    public string? DataLocation(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(PathProperty, out var path) && System.IO.Path.IsPathFullyQualified(path)
            ? "file://" + CanonicalPath.Resolve(path).Replace('\\', '/')
            : null;

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(BackendDirectoryCheck.Problems(properties.TryGetValue(PathProperty, out var path) ? path : null));
    }

    /// <inheritdoc />
    public Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!properties.TryGetValue(PathProperty, out var path) || !System.IO.Path.IsPathFullyQualified(path))
            throw new ArgumentException($"Backend '{backendName}' has no absolute '{PathProperty}' property.", nameof(properties));
        if (!System.IO.Directory.Exists(path))
            throw new DirectoryNotFoundException($"The directory '{path}' of backend '{backendName}' does not exist.");

        var capabilities = ReflinkProbe.SupportsExtentComparison(path) ? Declared : Declared & ~DriverCapabilities.ChangedRanges;
        var permissions = FilePermissions.Parse(properties.GetValueOrDefault(ModeProperty)) ?? FilePermissions.OwnerOnly;
        return Task.FromResult<IDriverBackend>(new DirectoryBackend(path, capabilities, new ImageCloner(useReflink, onBytesCopied, permissions), permissions));
    }
}
