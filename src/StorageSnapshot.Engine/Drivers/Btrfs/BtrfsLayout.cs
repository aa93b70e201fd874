using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Drivers.Btrfs;

/// <summary>
/// Where a btrfs backend keeps things, under its <c>Path</c>:
/// <code>
///   volumes/&lt;volume&gt;/                  a volume: a subvolume of its own
///   volumes/&lt;volume&gt;/disk.img          its one raw image (the volume's Location)
///   snapshots/&lt;volume&gt;/&lt;key&gt;/          a snapshot: a read-only snapshot of the volume's subvolume
///   volumes/.&lt;volume&gt;.&lt;work&gt;-&lt;32 hex&gt;  a subvolume being made or swapped out; never listed
/// </code>
/// A driver reference is the subvolume's path relative to the backend directory ("volumes/db01",
/// "snapshots/db01/01J…"), so a backend moved to another mount point keeps its references; a location is the
/// image's absolute path. References read back from an inventory are data: each is checked to name exactly a
/// volume or a snapshot of this backend before anything is done with it.
/// </summary>
internal sealed partial class BtrfsLayout
{
    /// <summary>The file name of the image inside every volume and snapshot subvolume.</summary>
    public const string ImageName = "disk.img";

    private const string VolumesFolder = "volumes";
    private const string SnapshotsFolder = "snapshots";

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();

    /// <summary>Creates the layout of the backend directory <paramref name="root"/> (absolute).</summary>
    public BtrfsLayout(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        VolumesDirectory = Path.Combine(Root, VolumesFolder);
        SnapshotsDirectory = Path.Combine(Root, SnapshotsFolder);
    }

    /// <summary>The backend directory.</summary>
    public string Root { get; }

    /// <summary>The directory holding the volume subvolumes.</summary>
    public string VolumesDirectory { get; }

    /// <summary>The directory holding one folder of snapshot subvolumes per volume.</summary>
    public string SnapshotsDirectory { get; }

    /// <summary>The subvolume of volume <paramref name="volumeName"/>.</summary>
    public string VolumePath(string volumeName) => Path.Combine(VolumesDirectory, Checked(volumeName, "volume name"));

    /// <summary>The folder holding the snapshots of volume <paramref name="volumeName"/>.</summary>
    public string SnapshotFolder(string volumeName) => Path.Combine(SnapshotsDirectory, Checked(volumeName, "volume name"));

    /// <summary>The snapshot subvolume made with <paramref name="snapshotKey"/>.</summary>
    public string SnapshotPath(string volumeName, string snapshotKey) => Path.Combine(SnapshotFolder(volumeName), Checked(snapshotKey, "snapshot key"));

    /// <summary>The image inside a volume or snapshot subvolume.</summary>
    public static string ImageOf(string subvolume) => Path.Combine(subvolume, ImageName);

    /// <summary>A fresh name in volumes/ for work on <paramref name="volumeName"/> ("create", "revert", "clone").</summary>
    public static string WorkName(string volumeName, string work) => $".{volumeName}.{work}-{Guid.NewGuid():N}";

    /// <summary>True when <paramref name="entry"/> (a name in volumes/) is work left on <paramref name="volumeName"/>.</summary>
    public static bool IsWorkOf(string entry, string volumeName) =>
        entry.StartsWith("." + volumeName + ".", StringComparison.Ordinal)
        && Regex.IsMatch(entry[(volumeName.Length + 2)..], @"\A(create|revert|clone)-[0-9a-f]{32}\z", RegexOptions.CultureInvariant);

    /// <summary>The reference of a subvolume inside the backend.</summary>
    public string ReferenceOf(string subvolume) => Path.GetRelativePath(Root, subvolume).Replace('\\', '/');

    /// <summary>The volume name and subvolume a volume reference names; throws when it names anything else.</summary>
    public (string Name, string Subvolume) ResolveVolume(DriverObject volume)
    {
        var parts = volume.Reference.Split('/');
        if (parts.Length != 2 || parts[0] != VolumesFolder || !SafeName().IsMatch(parts[1]) || parts[1].Contains("..", StringComparison.Ordinal))
            throw Invalid(volume.Reference, "is not a volume of this backend");
        return (parts[1], VolumePath(parts[1]));
    }

    /// <summary>The volume name, key and subvolume a snapshot reference names; throws when it names anything else.</summary>
    public (string Volume, string Key, string Subvolume) ResolveSnapshot(DriverObject snapshot)
    {
        var parts = snapshot.Reference.Split('/');
        if (parts.Length != 3 || parts[0] != SnapshotsFolder || !SafeName().IsMatch(parts[1]) || !SafeName().IsMatch(parts[2])
            || parts[1].Contains("..", StringComparison.Ordinal) || parts[2].Contains("..", StringComparison.Ordinal))
            throw Invalid(snapshot.Reference, "is not a snapshot of this backend");
        return (parts[1], parts[2], SnapshotPath(parts[1], parts[2]));
    }

    private static string Checked(string name, string what)
    {
        if (!SafeName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
            throw new ValidationException(ErrorIds.InvalidName, $"The {what} '{name}' cannot name a btrfs subvolume: use letters, digits, '.', '_' and '-'.", name);
        return name;
    }

    private static ArgumentException Invalid(string reference, string problem) =>
        new($"The btrfs driver reference '{reference}' {problem}.", nameof(reference));
}
