using System.Buffers.Binary;
using System.Text;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// The few fields of a qcow2 header the driver reads itself (docs/interop/qcow2.txt in qemu): virtual size,
/// backing file name and the incompatible features. Reading them directly is microseconds, where asking
/// qemu-img info is a process start; the backing names are how the driver walks chains and finds a layer's
/// children.
/// </summary>
internal sealed record Qcow2Header(long VirtualSize, string? BackingFile, int ClusterBits, ulong IncompatibleFeatures)
{
    private const uint Magic = 0x514649FB; // "QFI\xfb"
    private const int MaximumBackingNameLength = 1023;

    /// <summary>Reads the header of <paramref name="path"/>; an <see cref="InvalidDataException"/> when it is not a qcow2 image.</summary>
    public static Qcow2Header Read(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[104];
        var read = RandomAccess.Read(file, header, 0);
        if (read < 72 || BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
            throw new InvalidDataException($"'{path}' is not a qcow2 image.");
        var version = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        var backingOffset = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
        var backingLength = BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        var clusterBits = (int)BinaryPrimitives.ReadUInt32BigEndian(header[20..]);
        var size = BinaryPrimitives.ReadUInt64BigEndian(header[24..]);
        var incompatible = version >= 3 && read >= 80 ? BinaryPrimitives.ReadUInt64BigEndian(header[72..]) : 0;

        string? backing = null;
        if (backingOffset != 0 && backingLength > 0)
        {
            if (backingLength > MaximumBackingNameLength) throw new InvalidDataException($"The backing file name in '{path}' is {backingLength} bytes long.");
            var name = new byte[backingLength];
            if (RandomAccess.Read(file, name, (long)backingOffset) != name.Length) throw new InvalidDataException($"The header of '{path}' is cut short.");
            backing = Encoding.UTF8.GetString(name);
        }
        return new Qcow2Header(checked((long)size), backing, clusterBits, incompatible);
    }
}
