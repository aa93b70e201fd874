using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// Deletes a snapshot layer without changing what any image that depends on it reads. Its children are the images
/// whose backing file it is (the next snapshot, the volume's active layer, clones), found by reading every header in
/// images/ under the exclusive chain lock.
/// <list type="bullet">
/// <item>No child: the file is unlinked.</item>
/// <item>One child: <c>qemu-img commit -d</c> writes the child's clusters into the doomed layer, which is then
/// renamed over the child: the result is the child's view with the doomed layer's backing. While the commit runs
/// the child is untouched and still reads the same (it overrides exactly what is written below it); only the doomed
/// layer's own view changes, and it is being deleted — the engine records a delete that did not finish as failed,
/// never as the snapshot it was. A crash before the rename is finished by running the delete again.</item>
/// <item>Several children (the layer is also a clone's base): each child is copied beside itself (a reflink on XFS
/// or btrfs), the copy rebased onto the doomed layer's backing with <c>qemu-img rebase</c> in safe mode (which
/// writes into the copy whatever the doomed layer provided), fsynced and renamed over the child; then the doomed
/// layer is unlinked. A crash leaves every child either as it was or rebased, both reading the same.</item>
/// </list>
/// Every image touched is refused while qemu has it open (<see cref="ImageUse"/>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class LayerMerge
{
    public static async Task DeleteLayerAsync(Qcow2Layout layout, string file, string description, CancellationToken cancellationToken)
    {
        var path = layout.PathOf(file);
        if (!File.Exists(path)) return;
        var header = Qcow2Header.Read(path);
        var children = ChildrenOf(layout, file);
        ImageUse.RefuseIfInUse(path, description, "delete it");
        foreach (var child in children) ImageUse.RefuseIfInUse(layout.PathOf(child), $"the image '{child}' built on it", $"delete {description}");

        if (children.Count == 0)
        {
            LayerFiles.DeleteDurably(path);
            return;
        }

        if (children.Count == 1)
        {
            var child = layout.PathOf(children[0]);
            await QemuTools.RunImgAsync(layout.ImagesDirectory, new[] { "commit", "-q", "-d", "-f", "qcow2", child }, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(path, File.GetUnixFileMode(child));
            LayerFiles.Sync(path);
            File.Move(path, child, overwrite: true);
            DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
            return;
        }

        foreach (var childFile in children)
        {
            var child = layout.PathOf(childFile);
            var temporary = layout.PathOf(Qcow2Layout.TemporaryFor(childFile));
            try
            {
                await LayerFiles.CopyAsync(child, temporary, File.GetUnixFileMode(child), cancellationToken).ConfigureAwait(false);
                await QemuTools.RunImgAsync(layout.ImagesDirectory,
                    new[] { "rebase", "-q", "-f", "qcow2", "-F", "qcow2", "-b", header.BackingFile ?? "", temporary }, cancellationToken).ConfigureAwait(false);
                LayerFiles.Sync(temporary);
                File.Move(temporary, child, overwrite: true);
            }
            catch
            {
                StrayFiles.TryDelete(temporary);
                throw;
            }
            DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
        }
        LayerFiles.DeleteDurably(path);
    }

    /// <summary>The images (not temporaries) whose backing file is <paramref name="file"/>.</summary>
    public static IReadOnlyList<string> ChildrenOf(Qcow2Layout layout, string file)
    {
        var target = layout.PathOf(file);
        var children = new List<string>();
        foreach (var candidate in System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, "*" + Qcow2Layout.Extension))
        {
            var name = Path.GetFileName(candidate);
            if (Qcow2Layout.IsTemporary(name) || name == file) continue;
            var backing = Qcow2Header.Read(candidate).BackingFile;
            if (backing is not null && Path.GetFullPath(Path.Combine(layout.ImagesDirectory, backing)) == target) children.Add(name);
        }
        return children.Order(StringComparer.Ordinal).ToList();
    }
}
