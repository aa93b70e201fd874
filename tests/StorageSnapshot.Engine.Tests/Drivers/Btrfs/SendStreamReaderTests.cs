using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Btrfs;

namespace StorageSnapshot.Engine.Tests.Drivers.Btrfs;

/// <summary>The send-stream reader and the image-range mapping on streams written here, byte by byte, to the documented format.</summary>
public sealed class SendStreamReaderTests
{
    private const ushort Path = 15, FileOffset = 18, Size = 4, PathTo = 16, Data = 19;

    [Fact]
    public async Task UpdateExtentsWritesAndTruncatesOfTheImageBecomeMergedRanges()
    {
        var stream = Stream(
            Command(2, Attr(Path, "snap")),
            Command(22, Attr(Path, "disk.img"), Attr(FileOffset, 8192UL), Attr(Size, 4096UL)),
            Command(22, Attr(Path, "disk.img"), Attr(FileOffset, 4096UL), Attr(Size, 4096UL)),
            Command(15, Attr(Path, "disk.img"), Attr(FileOffset, 65536UL), Attr(Data, new byte[100])),
            Command(22, Attr(Path, "other.txt"), Attr(FileOffset, 0UL), Attr(Size, 1UL << 20)),
            Command(20, Attr(Path, "disk.img")),
            Command(17, Attr(Path, "disk.img"), Attr(Size, 200_000UL)),
            Command(21));

        var ranges = await RangesAsync(stream, length: 262_144);

        Assert.Equal(new[] { new ByteRange(4096, 8192), new ByteRange(65536, 100), new ByteRange(200_000, 62_144) }, ranges);
    }

    [Fact]
    public async Task ARenameOntoTheImageMakesAllOfItChanged()
    {
        var stream = Stream(
            Command(3, Attr(Path, "o257-7-0")),
            Command(22, Attr(Path, "o257-7-0"), Attr(FileOffset, 0UL), Attr(Size, 4096UL)),
            Command(9, Attr(Path, "o257-7-0"), Attr(PathTo, "disk.img")),
            Command(21));

        Assert.Equal(new[] { new ByteRange(0, 1 << 20) }, await RangesAsync(stream, length: 1 << 20));
    }

    [Fact]
    public async Task ADamagedCommandFailsItsChecksum()
    {
        var stream = Stream(Command(22, Attr(Path, "disk.img"), Attr(FileOffset, 0UL), Attr(Size, 4096UL)), Command(21));
        stream[^20] ^= 0x01;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => RangesAsync(stream, length: 1 << 20));
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamCutShortOrOfAnotherKindIsRefused()
    {
        var whole = Stream(Command(22, Attr(Path, "disk.img"), Attr(FileOffset, 0UL), Attr(Size, 4096UL)), Command(21));

        await Assert.ThrowsAsync<InvalidDataException>(() => RangesAsync(whole[..^5], length: 1 << 20));
        await Assert.ThrowsAsync<InvalidDataException>(() => RangesAsync(whole[..^10], length: 1 << 20));
        await Assert.ThrowsAsync<InvalidDataException>(() => RangesAsync(Encoding.ASCII.GetBytes("not a btrfs stream at all"), length: 1));
        var version2 = (byte[])whole.Clone();
        version2[13] = 2;
        await Assert.ThrowsAsync<InvalidDataException>(() => RangesAsync(version2, length: 1 << 20));
    }

    private static async Task<IReadOnlyList<ByteRange>> RangesAsync(byte[] stream, long length)
    {
        var changes = new ImageChanges("disk.img", length, length);
        await SendStreamReader.ReadAsync(new MemoryStream(stream), changes.Add, CancellationToken.None);
        return changes.Ranges();
    }

    private static byte[] Stream(params byte[][] commands)
    {
        var header = Encoding.ASCII.GetBytes("btrfs-stream\0").Concat(BitConverter.GetBytes(1u)).ToArray();
        return header.Concat(commands.SelectMany(c => c)).ToArray();
    }

    private static byte[] Command(ushort type, params byte[][] attributes)
    {
        var body = attributes.SelectMany(a => a).ToArray();
        var command = new byte[10 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(command, (uint)body.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(command.AsSpan(4), type);
        body.CopyTo(command, 10);
        uint crc = 0;
        foreach (var b in command) crc = BitOperations.Crc32C(crc, b);
        BinaryPrimitives.WriteUInt32LittleEndian(command.AsSpan(6), crc);
        return command;
    }

    private static byte[] Attr(ushort type, string value) => Attr(type, Encoding.UTF8.GetBytes(value));

    private static byte[] Attr(ushort type, ulong value) => Attr(type, BitConverter.GetBytes(value));

    private static byte[] Attr(ushort type, byte[] value)
    {
        var attribute = new byte[4 + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, type);
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), (ushort)value.Length);
        value.CopyTo(attribute, 4);
        return attribute;
    }
}
