namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// A world's files held in memory (a few hundred KiB): every directory and file under the saved folders, with
/// contents, holes and modes, plus the model that goes with them. Restored at the same paths, so the inventory's
/// absolute Locations, the backend's Path and the repository's path stay true.
/// </summary>
internal sealed class WorldTemplate
{
    private const int Block = 4096;
    private readonly List<(string Path, UnixFileMode Mode)> directories = new();
    private readonly List<(string Path, byte[] Bytes, UnixFileMode Mode)> files = new();

    private WorldTemplate(ContentModel model)
    {
        Model = model;
    }

    public ContentModel Model { get; }

    public static WorldTemplate Capture(string root, IEnumerable<string> folders, ContentModel model)
    {
        var template = new WorldTemplate(model);
        foreach (var folder in folders.Where(Directory.Exists))
        {
            foreach (var directory in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).Prepend(folder))
                template.directories.Add((Path.GetRelativePath(root, directory), ModeOf(directory)));
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                template.files.Add((Path.GetRelativePath(root, file), File.ReadAllBytes(file), ModeOf(file)));
        }
        return template;
    }

    public void Restore(string root, IEnumerable<string> folders)
    {
        foreach (var folder in folders)
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        foreach (var (path, mode) in directories)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(full);
            SetMode(full, mode);
        }
        foreach (var (path, bytes, mode) in files)
        {
            var full = Path.Combine(root, path);
            using (var stream = new FileStream(full, FileMode.CreateNew, FileAccess.Write))
            {
                // Only blocks holding data are written: a hole in an image stays a hole, so the restored world
                // makes the same calls (reads of allocated ranges only) as every other restore of it.
                for (var offset = 0; offset < bytes.Length; offset += Block)
                {
                    var block = bytes.AsSpan(offset, Math.Min(Block, bytes.Length - offset));
                    if (!block.ContainsAnyExcept((byte)0)) continue;
                    stream.Position = offset;
                    stream.Write(block);
                }
                stream.SetLength(bytes.Length);
            }
            SetMode(full, mode);
        }
    }

    private static UnixFileMode ModeOf(string path) => OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }
}
