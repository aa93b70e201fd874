using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Btrfs;

/// <summary>
/// The built-in <c>btrfs</c> driver: a backend is a directory on a btrfs filesystem, a volume a subvolume holding
/// one raw image, a snapshot a read-only snapshot of that subvolume, a clone a writable one, a revert an atomic
/// swap of the volume's subvolume for a writable snapshot of the chosen one; changed ranges come from the kernel's
/// send stream without data. Everything goes through btrfs ioctls (<see cref="BtrfsIoctls"/>), never the
/// <c>btrfs</c> command. The layout is described on <see cref="BtrfsLayout"/>.
/// </summary>
internal sealed class BtrfsDriver : IStorageDriver
{
    /// <summary>The registry name.</summary>
    public const string DriverName = "btrfs";

    /// <summary>The backend directory.</summary>
    public const string PathProperty = "Path";

    /// <summary>The permissions of the images and folders the backend creates.</summary>
    public const string ModeProperty = "Mode";

    private const DriverCapabilities Declared = DriverCapabilities.CreateVolume | DriverCapabilities.Snapshot
        | DriverCapabilities.Revert | DriverCapabilities.Clone | DriverCapabilities.Delete | DriverCapabilities.ReadSnapshot
        | DriverCapabilities.WriteVolume | DriverCapabilities.ChangedRanges;

    /// <inheritdoc />
    public DriverDescriptor Descriptor { get; } = new(
        DriverName,
        "Volumes are raw images, one per btrfs subvolume; snapshots are read-only subvolume snapshots, clones writable ones; changed ranges come from btrfs send.",
        Declared,
        new PropertySchema(new PropertyDefinition(
            PathProperty,
            PropertyType.Path,
            "Absolute path of an existing directory on a btrfs filesystem; volumes and snapshots are subvolumes below it. Cannot change while the backend has volumes; no two backends may share or nest directories.",
            Required: true,
            LocatesData: true),
        new PropertyDefinition(
            ModeProperty,
            PropertyType.String,
            "Permissions of the volume images the backend creates, in octal: 0600 (the default: the owner only), 0640 (its group may read) or 0660 (its group may read and write). Their subvolumes get 0700, 0750 or 0770. World access is never given.",
            Validate: value => FilePermissions.Parse(value) is null ? $"must be one of {string.Join(", ", FilePermissions.AcceptedModes)}; got '{value}'." : null,
            Canonicalize: value => FilePermissions.Parse(value)!.FileOctal)));

    /// <inheritdoc />
    /// <remarks>The backend directory with every symbolic link resolved, as for the directory driver, so the two never overlap.</remarks>
    public string? DataLocation(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(PathProperty, out var path) && Path.IsPathFullyQualified(path)
            ? "file://" + CanonicalPath.Resolve(path).Replace('\\', '/')
            : null;

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(BtrfsBackendCheck.Problems(properties.TryGetValue(PathProperty, out var path) ? path : null));
    }

    /// <inheritdoc />
    /// <remarks>btrfs send needs CAP_SYS_ADMIN: for any other user the backend does without ChangedRanges (copies then read every allocated byte).</remarks>
    public Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!properties.TryGetValue(PathProperty, out var path) || !Path.IsPathFullyQualified(path))
            throw new ArgumentException($"Backend '{backendName}' has no absolute '{PathProperty}' property.", nameof(properties));
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("The btrfs driver runs on Linux only.");
        if (!System.IO.Directory.Exists(path))
            throw new DirectoryNotFoundException($"The directory '{path}' of backend '{backendName}' does not exist.");
        if (FilesystemType.Of(path) != FilesystemType.Btrfs)
            throw new IOException($"The directory '{path}' of backend '{backendName}' is on {BtrfsBackendCheck.FilesystemName(path)}, not btrfs.");

        var capabilities = LibC.GetEffectiveUserId() == 0 ? Declared : Declared & ~DriverCapabilities.ChangedRanges;
        var permissions = FilePermissions.Parse(properties.GetValueOrDefault(ModeProperty)) ?? FilePermissions.OwnerOnly;
        return Task.FromResult<IDriverBackend>(new BtrfsBackend(path, capabilities, permissions));
    }
}
