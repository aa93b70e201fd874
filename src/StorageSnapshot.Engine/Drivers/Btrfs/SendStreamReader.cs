using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace StorageSnapshot.Engine.Drivers.Btrfs;

/// <summary>The commands of a btrfs send stream (version 1) that the changed-range computation looks at.</summary>
internal enum SendCommandType : ushort
{
    Subvolume = 1,
    Snapshot = 2,
    MakeFile = 3,
    MakeDirectory = 4,
    MakeNode = 5,
    MakeFifo = 6,
    MakeSocket = 7,
    Symlink = 8,
    Rename = 9,
    Link = 10,
    Unlink = 11,
    RemoveDirectory = 12,
    SetExtendedAttribute = 13,
    RemoveExtendedAttribute = 14,
    Write = 15,
    Clone = 16,
    Truncate = 17,
    ChangeMode = 18,
    ChangeOwner = 19,
    ChangeTimes = 20,
    End = 21,
    UpdateExtent = 22,
}

/// <summary>Attribute types of a send stream command (linux/fs/btrfs/send.h, version 1).</summary>
internal enum SendAttribute : ushort
{
    Size = 4,
    Path = 15,
    PathTo = 16,
    PathLink = 17,
    FileOffset = 18,
    Data = 19,
    ClonePath = 22,
    CloneLength = 24,
}

/// <summary>One command: its type and its attributes (type → raw value).</summary>
internal sealed class SendCommand(SendCommandType type, Dictionary<SendAttribute, ReadOnlyMemory<byte>> attributes)
{
    public SendCommandType Type { get; } = type;

    /// <summary>The path attributes (Path, PathTo, PathLink, ClonePath) the command carries.</summary>
    public IEnumerable<string> Paths =>
        new[] { SendAttribute.Path, SendAttribute.PathTo, SendAttribute.PathLink, SendAttribute.ClonePath }
            .Where(attributes.ContainsKey)
            .Select(a => Encoding.UTF8.GetString(attributes[a].Span));

    /// <summary>A path attribute as text, or null.</summary>
    public string? Text(SendAttribute attribute) =>
        attributes.TryGetValue(attribute, out var value) ? Encoding.UTF8.GetString(value.Span) : null;

    /// <summary>A 64-bit attribute, or null.</summary>
    public ulong? Number(SendAttribute attribute) =>
        attributes.TryGetValue(attribute, out var value) && value.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(value.Span) : null;

    /// <summary>The length of an attribute's value (the data of a Write), or null.</summary>
    public int? Length(SendAttribute attribute) => attributes.TryGetValue(attribute, out var value) ? value.Length : null;
}

/// <summary>
/// Reads a btrfs send stream (the documented version 1 format: "btrfs-stream\0", a little-endian u32 version,
/// then commands of { u32 length, u16 command, u32 crc32c } followed by length bytes of { u16 type, u16 length,
/// value } attributes). Every command's CRC-32C is checked (computed over its header with the crc field zeroed
/// and its attributes, seed 0, as the kernel does), so a damaged stream is an error, never a wrong answer.
/// </summary>
internal static class SendStreamReader
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("btrfs-stream\0");
    private const int CommandHeaderSize = 10;
    private const int MaximumCommandSize = 64 << 20;

    /// <summary>Calls <paramref name="onCommand"/> for every command up to End; returns the stream version.</summary>
    public static async Task<uint> ReadAsync(Stream stream, Action<SendCommand> onCommand, CancellationToken cancellationToken)
    {
        var header = new byte[Magic.Length + 4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken).ConfigureAwait(false) || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException("The btrfs send stream does not start with 'btrfs-stream'.");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(Magic.Length));
        if (version != 1) throw new InvalidDataException($"The btrfs send stream has version {version}; only version 1 is read.");

        var commandHeader = new byte[CommandHeaderSize];
        var body = new byte[64 << 10];
        while (await ReadExactlyOrEndAsync(stream, commandHeader, cancellationToken).ConfigureAwait(false))
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(commandHeader);
            var type = (SendCommandType)BinaryPrimitives.ReadUInt16LittleEndian(commandHeader.AsSpan(4));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(commandHeader.AsSpan(6));
            if (length > MaximumCommandSize) throw new InvalidDataException($"A btrfs send stream command claims {length} bytes.");
            if (body.Length < length) body = new byte[Math.Max(length, body.Length * 2)];
            if (!await ReadExactlyOrEndAsync(stream, body.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false))
                throw new InvalidDataException("The btrfs send stream ends inside a command.");

            commandHeader.AsSpan(6, 4).Clear();
            var computed = Crc32C(Crc32C(0, commandHeader), body.AsSpan(0, (int)length));
            if (computed != crc) throw new InvalidDataException($"A btrfs send stream command ({type}) fails its CRC-32C check.");

            onCommand(new SendCommand(type, Attributes(body.AsSpan(0, (int)length).ToArray())));
            if (type == SendCommandType.End) return version;
        }
        throw new InvalidDataException("The btrfs send stream ended without its End command.");
    }

    private static Dictionary<SendAttribute, ReadOnlyMemory<byte>> Attributes(byte[] body)
    {
        var attributes = new Dictionary<SendAttribute, ReadOnlyMemory<byte>>();
        for (var position = 0; position < body.Length;)
        {
            if (body.Length - position < 4) throw new InvalidDataException("A btrfs send stream attribute is cut short.");
            var type = (SendAttribute)BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(position));
            var length = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(position + 2));
            position += 4;
            if (body.Length - position < length) throw new InvalidDataException("A btrfs send stream attribute runs past its command.");
            attributes[type] = body.AsMemory(position, length);
            position += length;
        }
        return attributes;
    }

    /// <summary>CRC-32C without the initial and final inversions (the kernel's crc32c(seed, ...)).</summary>
    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (total == 0) return false;
                throw new InvalidDataException("The btrfs send stream ends inside a command header.");
            }
            total += read;
        }
        return true;
    }
}
