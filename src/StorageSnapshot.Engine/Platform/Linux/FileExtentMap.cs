using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>Flags of one FIEMAP extent (linux/fiemap.h).</summary>
[Flags]
internal enum FileExtentFlags : uint
{
    None = 0,
    Last = 0x1,
    Unknown = 0x2,
    Delalloc = 0x4,
    Encoded = 0x8,
    DataEncrypted = 0x80,
    NotAligned = 0x100,
    DataInline = 0x200,
    DataTail = 0x400,
    Unwritten = 0x800,
    Merged = 0x1000,
    Shared = 0x2000,
}

/// <summary>One mapped extent of a file: file offset, device address, length, flags.</summary>
internal readonly record struct FileExtent(long Logical, long Physical, long Length, FileExtentFlags Flags)
{
    public long End => Logical + Length;
}

/// <summary>
/// FS_IOC_FIEMAP: where a file's bytes live on the device. Two reflinked files that still share an extent report
/// the same physical address for it, which is how changed ranges between two snapshots are found without
/// reading them.
/// </summary>
internal static unsafe class FileExtentMap
{
    // _IOWR('f', 11, struct fiemap)
    private const nuint FsIocFiemap = 0xC020660B;
    private const uint FlagSync = 0x1;
    private const int ExtentsPerCall = 2048;

    [StructLayout(LayoutKind.Sequential)]
    private struct FiemapHeader
    {
        public ulong Start;
        public ulong Length;
        public uint Flags;
        public uint MappedExtents;
        public uint ExtentCount;
        public uint Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct FiemapExtent
    {
        public ulong Logical;
        public ulong Physical;
        public ulong Length;
        public ulong Reserved64A;
        public ulong Reserved64B;
        public uint Flags;
        public uint Reserved32A;
        public uint Reserved32B;
        public uint Reserved32C;
    }

    /// <summary>
    /// Every extent of the file, in file order, after flushing dirty data (FIEMAP_FLAG_SYNC) so that delayed
    /// allocations have real addresses.
    /// </summary>
    public static IReadOnlyList<FileExtent> Read(SafeFileHandle file, string path, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("FIEMAP exists only on Linux.");
        var size = (nuint)(sizeof(FiemapHeader) + ExtentsPerCall * sizeof(FiemapExtent));
        var buffer = (byte*)NativeMemory.Alloc(size);
        try
        {
            var extents = new List<FileExtent>();
            ulong start = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                NativeMemory.Clear(buffer, size);
                var header = (FiemapHeader*)buffer;
                header->Start = start;
                header->Length = ulong.MaxValue - start;
                header->Flags = FlagSync;
                header->ExtentCount = ExtentsPerCall;
                if (LibC.Ioctl(file, FsIocFiemap, buffer) != 0) throw LinuxIOException.FromLastError("FIEMAP", path);

                var mapped = (int)header->MappedExtents;
                if (mapped == 0) break;
                var entries = (FiemapExtent*)(buffer + sizeof(FiemapHeader));
                var last = false;
                for (var i = 0; i < mapped; i++)
                {
                    var e = entries[i];
                    var flags = (FileExtentFlags)e.Flags;
                    extents.Add(new FileExtent((long)e.Logical, (long)e.Physical, (long)e.Length, flags));
                    last |= flags.HasFlag(FileExtentFlags.Last);
                }
                if (last) break;
                var tail = entries[mapped - 1];
                start = tail.Logical + tail.Length;
            }
            return extents;
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }
}
