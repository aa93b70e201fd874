using StorageSnapshot.Engine.Platform;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// The built-in <c>qcow2</c> driver: a backend is a directory of qcow2 images (what KVM hosts keep their disks in),
/// a volume an image, a snapshot an external layer of its backing chain, a revert a new empty overlay on the
/// snapshot, a clone a new image backed by it (or a full copy), a snapshot deletion a merge of its layer into the
/// image built on it. Changed ranges come from <c>qemu-img map</c> of the layers; reads go straight to the layer
/// files, writes through qemu-nbd. Images held open by qemu (a running VM) are refused. qemu-img and qemu-nbd are
/// Debian's qemu-utils. The layout is described on <see cref="Qcow2Layout"/>.
/// </summary>
internal sealed class Qcow2Driver : IStorageDriver
{
    /// <summary>The registry name.</summary>
    public const string DriverName = "qcow2";

    /// <summary>The backend directory.</summary>
    public const string PathProperty = "Path";

    /// <summary>The permissions of the images the backend creates.</summary>
    public const string ModeProperty = "Mode";

    /// <summary>How clones are made: thin (an overlay backed by the snapshot) or full (a standalone copy).</summary>
    public const string CloneModeProperty = "CloneMode";

    private const DriverCapabilities Declared = DriverCapabilities.CreateVolume | DriverCapabilities.Snapshot
        | DriverCapabilities.Revert | DriverCapabilities.Clone | DriverCapabilities.Delete | DriverCapabilities.ReadSnapshot
        | DriverCapabilities.WriteVolume | DriverCapabilities.ChangedRanges;

    /// <inheritdoc />
    public DriverDescriptor Descriptor { get; } = new(
        DriverName,
        "Volumes are qcow2 images in a local directory; snapshots are external layers of their backing chain, clones images backed by a snapshot; changed ranges come from qemu-img map.",
        Declared,
        new PropertySchema(
            new PropertyDefinition(
                PathProperty,
                PropertyType.Path,
                "Absolute path of an existing, writable directory; the images are kept in its 'images' folder. Cannot change while the backend has volumes; no two backends may share or nest directories.",
                Required: true,
                LocatesData: true),
            new PropertyDefinition(
                ModeProperty,
                PropertyType.String,
                "Permissions of the images the backend creates, in octal: 0600 (the default: the owner only), 0640 (its group may read) or 0660 (its group may read and write, as a hypervisor's group needs). The 'images' folder gets 0700, 0750 or 0770. World access is never given.",
                Validate: value => FilePermissions.Parse(value) is null ? $"must be one of {string.Join(", ", FilePermissions.AcceptedModes)}; got '{value}'." : null,
                Canonicalize: value => FilePermissions.Parse(value)!.FileOctal),
            new PropertyDefinition(
                CloneModeProperty,
                PropertyType.String,
                "How a clone of a snapshot is made: 'thin' (the default: a new image backed by the snapshot, made in milliseconds; the snapshot can still be deleted, its layer is then merged into the clone) or 'full' (a standalone copy of the snapshot's data, made with qemu-img convert).",
                DefaultValue: "thin",
                Validate: value => value.Trim().ToLowerInvariant() is "thin" or "full" ? null : $"must be 'thin' or 'full'; got '{value}'.",
                Canonicalize: value => value.Trim().ToLowerInvariant())));

    /// <inheritdoc />
    /// <remarks>The backend directory with every symbolic link resolved, as for the other file-based drivers, so none of them overlap.</remarks>
    public string? DataLocation(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(PathProperty, out var path) && Path.IsPathFullyQualified(path)
            ? "file://" + CanonicalPath.Resolve(path).Replace('\\', '/')
            : null;

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Qcow2BackendCheck.Problems(properties.TryGetValue(PathProperty, out var path) ? path : null));
    }

    /// <inheritdoc />
    public Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("The qcow2 driver runs on Linux only.");
        if (!properties.TryGetValue(PathProperty, out var path) || !Path.IsPathFullyQualified(path))
            throw new ArgumentException($"Backend '{backendName}' has no absolute '{PathProperty}' property.", nameof(properties));
        if (!System.IO.Directory.Exists(path))
            throw new DirectoryNotFoundException($"The directory '{path}' of backend '{backendName}' does not exist.");

        var permissions = FilePermissions.Parse(properties.GetValueOrDefault(ModeProperty)) ?? FilePermissions.OwnerOnly;
        var fullClones = string.Equals(properties.GetValueOrDefault(CloneModeProperty), "full", StringComparison.OrdinalIgnoreCase);
        return Task.FromResult<IDriverBackend>(new Qcow2Backend(path, Declared, permissions, fullClones));
    }
}
