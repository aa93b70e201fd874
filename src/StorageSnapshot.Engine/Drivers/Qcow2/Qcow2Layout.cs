using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// Where a qcow2 backend keeps things, under its <c>Path</c>, all in one folder so that every backing file name is
/// a plain file name that resolves from every image (layers move between names when a snapshot is deleted):
/// <code>
///   images/&lt;volume&gt;.qcow2          a volume: the active layer, backed by its latest snapshot (its Location)
///   images/&lt;volume&gt;@&lt;key&gt;.qcow2    a snapshot: a read-only layer, backed by the snapshot before it
///   images/.&lt;anything&gt;              work in progress (a new overlay before its rename) and the chain lock; never listed
/// </code>
/// Names never contain '@' (NameRules), so the two kinds cannot be confused. A driver reference is
/// "images/&lt;file&gt;"; a location the absolute path of the file.
/// </summary>
internal sealed partial class Qcow2Layout
{
    /// <summary>The extension of every image.</summary>
    public const string Extension = ".qcow2";

    private const string ImagesFolder = "images";

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();

    /// <summary>Creates the layout of the backend directory <paramref name="root"/> (absolute).</summary>
    public Qcow2Layout(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        ImagesDirectory = Path.Combine(Root, ImagesFolder);
        ChainLockPath = Path.Combine(ImagesDirectory, ".chain.lock");
    }

    /// <summary>The backend directory.</summary>
    public string Root { get; }

    /// <summary>The folder holding every image of the backend.</summary>
    public string ImagesDirectory { get; }

    /// <summary>The lock file serialising changes of backing chains (<see cref="ChainLock"/>).</summary>
    public string ChainLockPath { get; }

    /// <summary>The file name of volume <paramref name="volume"/>.</summary>
    public static string VolumeFile(string volume) => Checked(volume, "volume name") + Extension;

    /// <summary>The file name of the snapshot of <paramref name="volume"/> made with <paramref name="key"/>.</summary>
    public static string SnapshotFile(string volume, string key) => Checked(volume, "volume name") + "@" + Checked(key, "snapshot key") + Extension;

    /// <summary>The absolute path of an image file name.</summary>
    public string PathOf(string fileName) => Path.Combine(ImagesDirectory, fileName);

    /// <summary>The reference of an image file name.</summary>
    public static string ReferenceOf(string fileName) => ImagesFolder + "/" + fileName;

    /// <summary>A fresh temporary name beside <paramref name="fileName"/>: dot-prefixed, never listed.</summary>
    public static string TemporaryFor(string fileName) => $".{fileName}.{Guid.NewGuid():N}.tmp";

    /// <summary>True for work in progress and the lock file.</summary>
    public static bool IsTemporary(string fileName) => fileName.StartsWith('.');

    /// <summary>True for a volume's file name (not a snapshot layer, not temporary).</summary>
    public static bool IsVolumeFile(string fileName) =>
        !IsTemporary(fileName) && fileName.EndsWith(Extension, StringComparison.Ordinal) && !fileName.Contains('@');

    /// <summary>The volume name and file a volume reference names; throws when it names anything else.</summary>
    public (string Name, string File) ResolveVolume(DriverObject volume)
    {
        var file = FileOf(volume.Reference, "volume");
        var name = file[..^Extension.Length];
        if (name.Contains('@') || !SafeName().IsMatch(name)) throw Invalid(volume.Reference, "is not a volume of this backend");
        return (name, file);
    }

    /// <summary>The volume name, key and file a snapshot reference names; throws when it names anything else.</summary>
    public (string Volume, string Key, string File) ResolveSnapshot(DriverObject snapshot)
    {
        var file = FileOf(snapshot.Reference, "snapshot");
        var parts = file[..^Extension.Length].Split('@');
        if (parts.Length != 2 || !SafeName().IsMatch(parts[0]) || !SafeName().IsMatch(parts[1]))
            throw Invalid(snapshot.Reference, "is not a snapshot of this backend");
        return (parts[0], parts[1], file);
    }

    private static string FileOf(string reference, string what)
    {
        var parts = reference.Split('/');
        if (parts.Length != 2 || parts[0] != ImagesFolder || !parts[1].EndsWith(Extension, StringComparison.Ordinal)
            || IsTemporary(parts[1]) || parts[1].Contains("..", StringComparison.Ordinal))
            throw Invalid(reference, $"is not a {what} of this backend");
        return parts[1];
    }

    private static string Checked(string name, string what)
    {
        if (!SafeName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
            throw new ValidationException(ErrorIds.InvalidName, $"The {what} '{name}' cannot name a qcow2 image: use letters, digits, '.', '_' and '-'.", name);
        return name;
    }

    private static ArgumentException Invalid(string reference, string problem) =>
        new($"The qcow2 driver reference '{reference}' {problem}.", nameof(reference));
}
