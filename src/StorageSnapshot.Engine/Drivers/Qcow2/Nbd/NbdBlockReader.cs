namespace StorageSnapshot.Engine.Drivers.Qcow2.Nbd;

/// <summary>
/// Reads a qcow2 image's guest bytes through qemu-nbd (read-only export): the fallback for layers whose clusters
/// have no host offset to read directly (compressed or encrypted, which this driver never writes but an imported
/// image may hold), and the other side of the measurement that chose <see cref="ChainBlockReader"/>.
/// </summary>
internal sealed class NbdBlockReader(QemuNbdExport export, IReadOnlyList<ByteRange>? allocated) : IBlockReader
{
    /// <inheritdoc />
    public long Length { get; } = export.Client.Size;

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length || buffer.Length == 0) return 0;
        var wanted = (int)Math.Min(buffer.Length, Length - offset);
        await export.Client.ReadAsync(offset, buffer[..wanted], cancellationToken).ConfigureAwait(false);
        return wanted;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) => Task.FromResult(allocated);

    /// <inheritdoc />
    public void Dispose() => export.Dispose();
}
