using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Tests.Drivers.Btrfs;

/// <summary>Removes a test's backend directory with the subvolumes in it (read-only snapshots refuse a plain delete).</summary>
internal static class BtrfsTestStorage
{
    public static void DeleteTree(string path)
    {
        if (!System.IO.Directory.Exists(path)) return;
        foreach (var child in System.IO.Directory.EnumerateDirectories(path))
        {
            if (FileIdentity.Of(child) is { Inode: FileIdentity.BtrfsSubvolumeRootInode })
                BtrfsIoctls.DeleteSubvolume(path, Path.GetFileName(child));
            else
                DeleteTree(child);
        }
        System.IO.Directory.Delete(path, recursive: true);
    }
}
