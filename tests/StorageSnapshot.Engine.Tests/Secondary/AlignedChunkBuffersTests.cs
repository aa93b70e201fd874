using System.Runtime.InteropServices;
using StorageSnapshot.Engine.Secondary;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// The chunk buffers every transfer of a process shares: page-aligned, reused from one transfer to the next (a
/// runbook's hundreds of copies must not each fault in fresh pinned memory), bounded in what they keep, and let go
/// when the process has been idle. Each test uses a pool of its own: the shared one is busy with other tests.
/// </summary>
public sealed class AlignedChunkBuffersTests
{
    private const int Chunk = 64 << 10;

    [Fact]
    public void Buffers_start_on_a_page_boundary_and_have_the_size_asked_for()
    {
        var pool = new AlignedChunkBuffers(maxRetainedBytes: 4 * Chunk, TimeSpan.FromMinutes(1));
        foreach (var size in new[] { Chunk, 4096, 3 * Chunk })
        {
            var buffer = pool.Rent(size);
            Assert.Equal(size, buffer.Length);
            Assert.Equal(0, AddressOf(buffer) % 4096);
        }
    }

    [Fact]
    public void The_next_transfer_gets_the_buffers_the_last_one_returned_and_sizes_are_kept_apart()
    {
        var pool = new AlignedChunkBuffers(maxRetainedBytes: 4 * Chunk, TimeSpan.FromMinutes(1));
        var first = new[] { pool.Rent(Chunk), pool.Rent(Chunk) };
        foreach (var buffer in first) pool.Return(buffer);
        Assert.Equal(2 * Chunk, pool.RetainedBytes);

        var other = pool.Rent(2 * Chunk); // another repository's chunk size: a buffer of its own
        Assert.Equal(2 * Chunk, other.Length);
        Assert.DoesNotContain(first, b => SameMemory(b, other));

        var second = new[] { pool.Rent(Chunk), pool.Rent(Chunk) };
        Assert.All(second, b => Assert.Contains(first, f => SameMemory(f, b)));
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void What_it_keeps_is_bounded_and_the_rest_is_left_to_the_collector()
    {
        var pool = new AlignedChunkBuffers(maxRetainedBytes: 3 * Chunk, TimeSpan.FromMinutes(1));
        var rented = Enumerable.Range(0, 5).Select(_ => pool.Rent(Chunk)).ToArray();
        foreach (var buffer in rented) pool.Return(buffer);
        Assert.Equal(3 * Chunk, pool.RetainedBytes);

        var again = Enumerable.Range(0, 4).Select(_ => pool.Rent(Chunk)).ToArray();
        Assert.Equal(3, again.Count(b => rented.Any(r => SameMemory(r, b))));
    }

    [Fact]
    public async Task Kept_buffers_are_let_go_once_the_process_is_idle()
    {
        var pool = new AlignedChunkBuffers(maxRetainedBytes: 4 * Chunk, TimeSpan.FromMilliseconds(50));
        pool.Return(pool.Rent(Chunk));
        pool.Return(pool.Rent(2 * Chunk));
        Assert.Equal(3 * Chunk, pool.RetainedBytes);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pool.RetainedBytes != 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, pool.RetainedBytes);

        // And it keeps working afterwards (a new timer for the next idle period).
        pool.Return(pool.Rent(Chunk));
        Assert.Equal(Chunk, pool.RetainedBytes);
    }

    private static bool SameMemory(Memory<byte> a, Memory<byte> b) =>
        MemoryMarshal.TryGetArray<byte>(a, out var x) && MemoryMarshal.TryGetArray<byte>(b, out var y) && ReferenceEquals(x.Array, y.Array) && x.Offset == y.Offset;

    private static unsafe long AddressOf(Memory<byte> buffer)
    {
        fixed (byte* pointer = buffer.Span) return (long)pointer;
    }
}
