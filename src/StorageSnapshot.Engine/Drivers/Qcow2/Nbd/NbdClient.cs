using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace StorageSnapshot.Engine.Drivers.Qcow2.Nbd;

/// <summary>
/// A small client of the NBD protocol (github.com/NetworkBlockDevice/nbd, doc/proto.md) over a unix socket: the
/// fixed-newstyle handshake with NBD_OPT_GO, then simple replies to READ, WRITE, WRITE_ZEROES, FLUSH and DISC —
/// what reading and writing an image through qemu-nbd needs, and nothing more (no structured replies, no TLS).
/// One request is in flight at a time: callers on many threads take turns.
/// </summary>
internal sealed class NbdClient : IAsyncDisposable
{
    private const ulong NbdMagic = 0x4E42444D41474943; // "NBDMAGIC"
    private const ulong OptionMagic = 0x49484156454F5054; // "IHAVEOPT"
    private const ulong OptionReplyMagic = 0x0003E889045565A9;
    private const uint RequestMagic = 0x25609513;
    private const uint SimpleReplyMagic = 0x67446698;
    private const ushort FixedNewstyle = 1;
    private const ushort NoZeroes = 2;
    private const uint OptionGo = 7;
    private const uint ReplyAck = 1;
    private const uint ReplyInfo = 3;
    private const uint ReplyErrorBit = 0x80000000;
    private const ushort InfoExport = 0;
    private const ushort CommandRead = 0;
    private const ushort CommandWrite = 1;
    private const ushort CommandDisconnect = 2;
    private const ushort CommandFlush = 3;
    private const ushort CommandWriteZeroes = 6;
    private const ushort FlagSendWriteZeroes = 1 << 6;
    private const ushort FlagReadOnly = 1 << 1;

    /// <summary>The largest payload sent or asked for in one request (qemu-nbd accepts 32 MiB).</summary>
    public const int MaximumRequest = 4 << 20;

    private readonly Socket socket;
    private readonly NetworkStream stream;
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly byte[] header = new byte[28];
    private readonly byte[] reply = new byte[16];
    private ulong nextHandle;
    private bool disconnected;

    private NbdClient(Socket socket)
    {
        this.socket = socket;
        stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>The export's size in bytes.</summary>
    public long Size { get; private set; }

    /// <summary>True when the server refuses writes.</summary>
    public bool ReadOnly { get; private set; }

    private bool CanWriteZeroes { get; set; }

    /// <summary>Connects to the server listening on <paramref name="socketPath"/> and opens export <paramref name="exportName"/>.</summary>
    public static async Task<NbdClient> ConnectAsync(string socketPath, string exportName, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var client = new NbdClient(socket);
        try
        {
            await client.HandshakeAsync(exportName, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> (split into requests of <see cref="MaximumRequest"/>).</summary>
    public async Task ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        for (var done = 0; done < buffer.Length;)
        {
            var count = Math.Min(MaximumRequest, buffer.Length - done);
            await RequestAsync(CommandRead, offset + done, (uint)count, ReadOnlyMemory<byte>.Empty, buffer.Slice(done, count), cancellationToken).ConfigureAwait(false);
            done += count;
        }
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public async Task WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        for (var done = 0; done < data.Length;)
        {
            var count = Math.Min(MaximumRequest, data.Length - done);
            await RequestAsync(CommandWrite, offset + done, (uint)count, data.Slice(done, count), Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            done += count;
        }
    }

    /// <summary>Makes a range read as zeros (WRITE_ZEROES where the server offers it, else written zeros).</summary>
    public async Task WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var zeros = CanWriteZeroes ? null : new byte[(int)Math.Min(MaximumRequest, length)];
        for (long done = 0; done < length;)
        {
            var count = (int)Math.Min(zeros?.Length ?? 1 << 30, length - done);
            if (zeros is null) await RequestAsync(CommandWriteZeroes, offset + done, (uint)count, ReadOnlyMemory<byte>.Empty, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            else await RequestAsync(CommandWrite, offset + done, (uint)count, zeros.AsMemory(0, count), Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            done += count;
        }
    }

    /// <summary>Asks the server to make every completed write durable.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) =>
        RequestAsync(CommandFlush, 0, 0, ReadOnlyMemory<byte>.Empty, Memory<byte>.Empty, cancellationToken);

    /// <summary>Says goodbye (the server then closes the export; qemu-nbd exits after its last client).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!disconnected && socket.Connected)
        {
            disconnected = true;
            try
            {
                await turn.WaitAsync().ConfigureAwait(false);
                WriteHeader(CommandDisconnect, 0, 0, nextHandle++);
                await stream.WriteAsync(header, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The server is gone already.
            }
        }
        await stream.DisposeAsync().ConfigureAwait(false);
        socket.Dispose();
        turn.Dispose();
    }

    /// <summary>The synchronous goodbye, for owners that are disposed synchronously (a reader).</summary>
    public void Close()
    {
        if (!disconnected && socket.Connected)
        {
            disconnected = true;
            try
            {
                turn.Wait();
                WriteHeader(CommandDisconnect, 0, 0, nextHandle++);
                stream.Write(header);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The server is gone already.
            }
        }
        stream.Dispose();
        socket.Dispose();
        turn.Dispose();
    }

    private async Task HandshakeAsync(string exportName, CancellationToken cancellationToken)
    {
        var greeting = new byte[18];
        await stream.ReadExactlyAsync(greeting, cancellationToken).ConfigureAwait(false);
        if (BinaryPrimitives.ReadUInt64BigEndian(greeting) != NbdMagic || BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)) != OptionMagic)
            throw new IOException("The NBD server does not speak the newstyle protocol.");
        var serverFlags = BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16));
        if ((serverFlags & FixedNewstyle) == 0) throw new IOException("The NBD server does not offer fixed newstyle negotiation.");
        var clientFlags = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(clientFlags, (uint)(FixedNewstyle | (serverFlags & NoZeroes)));
        await stream.WriteAsync(clientFlags, cancellationToken).ConfigureAwait(false);

        var name = Encoding.UTF8.GetBytes(exportName);
        var option = new byte[16 + 4 + name.Length + 2];
        BinaryPrimitives.WriteUInt64BigEndian(option, OptionMagic);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(8), OptionGo);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(12), (uint)(4 + name.Length + 2));
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(16), (uint)name.Length);
        name.CopyTo(option, 20);
        await stream.WriteAsync(option, cancellationToken).ConfigureAwait(false);

        var replyHeader = new byte[20];
        while (true)
        {
            await stream.ReadExactlyAsync(replyHeader, cancellationToken).ConfigureAwait(false);
            if (BinaryPrimitives.ReadUInt64BigEndian(replyHeader) != OptionReplyMagic) throw new IOException("The NBD server sent a malformed option reply.");
            var type = BinaryPrimitives.ReadUInt32BigEndian(replyHeader.AsSpan(12));
            var length = BinaryPrimitives.ReadUInt32BigEndian(replyHeader.AsSpan(16));
            if (length > 1 << 16) throw new IOException($"The NBD server sent an option reply of {length} bytes.");
            var data = new byte[length];
            await stream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            if ((type & ReplyErrorBit) != 0)
                throw new IOException($"The NBD server refused export '{exportName}' (error 0x{type:X8}): {Encoding.UTF8.GetString(data)}");
            if (type == ReplyInfo && data.Length >= 12 && BinaryPrimitives.ReadUInt16BigEndian(data) == InfoExport)
            {
                Size = checked((long)BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(2)));
                var flags = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(10));
                ReadOnly = (flags & FlagReadOnly) != 0;
                CanWriteZeroes = (flags & FlagSendWriteZeroes) != 0;
            }
            if (type == ReplyAck) return;
        }
    }

    private async Task RequestAsync(ushort command, long offset, uint length, ReadOnlyMemory<byte> payload, Memory<byte> into, CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var handle = nextHandle++;
            WriteHeader(command, offset, length, handle);
            // Once a request is on the wire its reply must be read whole, or the stream is out of step: no
            // cancellation between the two (a request is at most 4 MiB).
            await stream.WriteAsync(header, CancellationToken.None).ConfigureAwait(false);
            if (!payload.IsEmpty) await stream.WriteAsync(payload, CancellationToken.None).ConfigureAwait(false);
            await stream.ReadExactlyAsync(reply, CancellationToken.None).ConfigureAwait(false);
            if (BinaryPrimitives.ReadUInt32BigEndian(reply) != SimpleReplyMagic) throw new IOException("The NBD server sent a malformed reply.");
            var error = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4));
            if (BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)) != handle) throw new IOException("The NBD server answered another request.");
            if (error != 0) throw new IOException($"The NBD server failed a {Name(command)} of {length} bytes at {offset}: errno {error} ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage((int)error)}).");
            if (command == CommandRead) await stream.ReadExactlyAsync(into, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }

    private void WriteHeader(ushort command, long offset, uint length, ulong handle)
    {
        BinaryPrimitives.WriteUInt32BigEndian(header, RequestMagic);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), command);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), handle);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), (ulong)offset);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), length);
    }

    private static string Name(ushort command) => command switch
    {
        CommandRead => "read",
        CommandWrite => "write",
        CommandWriteZeroes => "write-zeroes",
        CommandFlush => "flush",
        _ => $"command {command}",
    };
}
