using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// Makes a new image file with another's contents: a reflink where the filesystem can, a sparse copy where it
/// cannot. The new file is made under a temporary name and made durable; the caller renames it into place.
/// </summary>
internal sealed class ImageCloner
{
    private readonly bool useReflink;
    private readonly Action<long>? onBytesCopied;
    private readonly FilePermissions permissions;

    /// <summary>
    /// Creates a cloner. <paramref name="useReflink"/> false always copies (tests drive the copy path on
    /// reflink filesystems with it); <paramref name="onBytesCopied"/> observes copies (progress, fault injection).
    /// </summary>
    public ImageCloner(bool useReflink = true, Action<long>? onBytesCopied = null, FilePermissions? permissions = null)
    {
        this.useReflink = useReflink;
        this.onBytesCopied = onBytesCopied;
        this.permissions = permissions ?? FilePermissions.OwnerOnly;
    }

    /// <summary>
    /// Writes a durable copy of <paramref name="sourcePath"/> to the new file <paramref name="temporaryPath"/>.
    /// On failure the temporary file is removed and the error rethrown.
    /// </summary>
    public async Task<CopyMethod> CloneToNewFileAsync(string sourcePath, string temporaryPath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var source = File.OpenHandle(sourcePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(source);
            // Created with the backend's permissions (owner-only by default): a snapshot is a whole disk's data.
            await using var destination = new FileStream(temporaryPath, permissions.NewFile(FileAccess.ReadWrite));
            permissions.Apply(destination);
            CopyMethod method;
            if (useReflink && Reflink.TryClone(destination.SafeFileHandle, source, temporaryPath))
            {
                method = CopyMethod.Reflink;
            }
            else
            {
                destination.SetLength(length);
                await SparseFileCopy.CopyAsync(source, sourcePath, destination.SafeFileHandle, length, onBytesCopied, cancellationToken)
                    .ConfigureAwait(false);
                method = CopyMethod.SparseCopy;
            }
            destination.Flush(flushToDisk: true);
            return method;
        }
        catch
        {
            StrayFiles.TryDelete(temporaryPath);
            throw;
        }
    }
}
