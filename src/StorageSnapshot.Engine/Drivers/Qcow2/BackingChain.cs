namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// The files of an image's backing chain, top first (depth 0 is the image itself, as qemu-img map counts), read
/// from the qcow2 headers. A missing backing file or a loop is an error naming the image and the file, which is
/// what a broken chain looks like to the user: qemu's own message would name only the file it failed to open.
/// </summary>
internal sealed record BackingChain(IReadOnlyList<string> Files, long VirtualSize)
{
    private const int MaximumDepth = 10_000;

    /// <summary>Walks the chain of <paramref name="path"/>; relative backing names resolve from the folder of the image naming them.</summary>
    public static BackingChain Of(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The qcow2 image '{path}' does not exist (was it deleted outside StorageSnapshot?).", path);
        var files = new List<string> { Path.GetFullPath(path) };
        var top = Qcow2Header.Read(path);
        var header = top;
        while (header.BackingFile is { } backing)
        {
            var next = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(files[^1])!, backing));
            if (!File.Exists(next))
                throw new FileNotFoundException(
                    $"The backing chain of '{path}' is broken: '{files[^1]}' is backed by '{backing}', and '{next}' does not exist (was it deleted or moved outside StorageSnapshot?).", next);
            if (files.Contains(next) || files.Count > MaximumDepth)
                throw new InvalidDataException($"The backing chain of '{path}' loops back to '{next}'.");
            files.Add(next);
            header = Qcow2Header.Read(next);
        }
        return new BackingChain(files, top.VirtualSize);
    }

    /// <summary>The depth of <paramref name="file"/> in the chain, or -1.</summary>
    public int DepthOf(string file) => Files.ToList().IndexOf(Path.GetFullPath(file));
}
