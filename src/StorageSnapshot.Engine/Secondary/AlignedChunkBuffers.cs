using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// Chunk-sized buffers for one transfer whose memory starts on a page boundary and never moves (pinned arrays),
/// so that chunks read into them can be written with direct I/O (<see cref="DirectIo"/>). Buffers are made on
/// demand and kept for reuse until the transfer ends; the caller bounds how many it holds at once. They are not
/// zeroed: every user fills the part it uses.
/// </summary>
internal sealed class AlignedChunkBuffers(int chunkSize)
{
    private readonly ConcurrentBag<Memory<byte>> _free = new();

    /// <summary>A buffer of exactly the chunk size.</summary>
    public Memory<byte> Rent() => _free.TryTake(out var buffer) ? buffer : Allocate(chunkSize);

    /// <summary>Gives a buffer from <see cref="Rent"/> back.</summary>
    public void Return(Memory<byte> buffer) => _free.Add(buffer);

    private static unsafe Memory<byte> Allocate(int size)
    {
        var array = GC.AllocateUninitializedArray<byte>(size + DirectIo.Alignment, pinned: true);
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var skip = (int)((DirectIo.Alignment - address % DirectIo.Alignment) % DirectIo.Alignment);
        return array.AsMemory(skip, size);
    }
}
