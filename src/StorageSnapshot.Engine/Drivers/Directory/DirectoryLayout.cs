namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// Where a directory backend keeps things, under its <c>Path</c>:
/// <code>
///   volumes/&lt;volume&gt;.img                   a volume: a sparse raw image
///   snapshots/&lt;volume&gt;/&lt;snapshotKey&gt;.img   a snapshot: a reflink clone or sparse copy of the image
///   .&lt;anything&gt;                            work in progress (a file before its rename, a probe); never listed
/// </code>
/// A driver reference is the path relative to the backend directory with '/' separators (so that a backend
/// moved to another mount point keeps its references); a location is the absolute path.
/// Names have passed NameRules already; every path is still checked to land exactly where it should
/// (defence in depth: a reference read back from an inventory is data, not trusted code).
/// </summary>
internal sealed class DirectoryLayout
{
    /// <summary>Extension of every image file.</summary>
    public const string ImageExtension = ".img";

    private const string VolumesFolder = "volumes";
    private const string SnapshotsFolder = "snapshots";

    /// <summary>Creates the layout of the backend directory <paramref name="root"/> (absolute).</summary>
    public DirectoryLayout(string root)
    {
        Root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root));
        VolumesDirectory = System.IO.Path.Combine(Root, VolumesFolder);
        SnapshotsDirectory = System.IO.Path.Combine(Root, SnapshotsFolder);
    }

    /// <summary>The backend directory.</summary>
    public string Root { get; }

    /// <summary>Where volume images live.</summary>
    public string VolumesDirectory { get; }

    /// <summary>Where the per-volume snapshot folders live.</summary>
    public string SnapshotsDirectory { get; }

    /// <summary>The image of volume <paramref name="volumeName"/>.</summary>
    public string VolumePath(string volumeName) => FileInside(VolumesDirectory, volumeName + ImageExtension);

    /// <summary>The folder holding the snapshots of volume <paramref name="volumeName"/>.</summary>
    public string SnapshotFolder(string volumeName) => FileInside(SnapshotsDirectory, volumeName);

    /// <summary>The image of the snapshot made with <paramref name="snapshotKey"/>.</summary>
    public string SnapshotPath(string volumeName, string snapshotKey) =>
        FileInside(SnapshotFolder(volumeName), snapshotKey + ImageExtension);

    /// <summary>The reference of an absolute path inside the backend.</summary>
    public string ReferenceOf(string path) => System.IO.Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The volume image a volume reference names; throws when it names anything else.</summary>
    public string ResolveVolume(DriverObject volume)
    {
        var path = Resolve(volume.Reference);
        if (!IsImage(path) || !SameDirectory(System.IO.Path.GetDirectoryName(path), VolumesDirectory))
            throw Invalid(volume.Reference, "is not a volume of this backend");
        return path;
    }

    /// <summary>The snapshot image a snapshot reference names; throws when it names anything else.</summary>
    public string ResolveSnapshot(DriverObject snapshot)
    {
        var path = Resolve(snapshot.Reference);
        var folder = System.IO.Path.GetDirectoryName(path);
        if (!IsImage(path) || folder is null || !SameDirectory(System.IO.Path.GetDirectoryName(folder), SnapshotsDirectory))
            throw Invalid(snapshot.Reference, "is not a snapshot of this backend");
        return path;
    }

    /// <summary>The volume name of a volume image path.</summary>
    public static string VolumeNameOf(string volumePath) => System.IO.Path.GetFileNameWithoutExtension(volumePath);

    /// <summary>True for the files of work in progress, which are never volumes or snapshots.</summary>
    public static bool IsTemporary(string path) => System.IO.Path.GetFileName(path).StartsWith('.');

    /// <summary>
    /// A fresh temporary name in the directory of <paramref name="target"/> (same filesystem, so the final rename
    /// is atomic), starting with '.' so that nothing lists it and a crash leftover is recognisable.
    /// </summary>
    public static string TemporaryPathBeside(string target) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!,
            $".{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");

    private string Resolve(string reference)
    {
        if (string.IsNullOrEmpty(reference) || System.IO.Path.IsPathRooted(reference))
            throw Invalid(reference, "is not a path relative to the backend directory");
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, reference));
        if (!full.StartsWith(Root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw Invalid(reference, "points outside the backend directory");
        return full;
    }

    private static string FileInside(string directory, string fileName)
    {
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, fileName));
        if (fileName.StartsWith('.') || !SameDirectory(System.IO.Path.GetDirectoryName(full), directory))
            throw new ValidationException(ErrorIds.InvalidName,
                $"The name '{fileName}' would place a file outside '{directory}'.", fileName);
        return full;
    }

    private static bool IsImage(string path) =>
        path.EndsWith(ImageExtension, StringComparison.Ordinal) && !IsTemporary(path);

    private static bool SameDirectory(string? a, string b) => a is not null && string.Equals(a, b, StringComparison.Ordinal);

    private static ArgumentException Invalid(string reference, string problem) =>
        new($"The directory driver reference '{reference}' {problem}.", nameof(reference));
}
