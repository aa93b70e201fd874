namespace StorageSnapshot.Engine.Drivers.Qcow2.Nbd;

/// <summary>
/// Writes to a qcow2 volume's guest bytes through qemu-nbd: writes into a qcow2 image allocate clusters and update
/// its tables, which only qemu should do. Durable after <see cref="FlushAsync"/> (NBD FLUSH: qemu flushes its
/// caches and fsyncs the image).
/// </summary>
internal sealed class NbdBlockWriter(QemuNbdExport export, string image) : IBlockWriter
{
    /// <inheritdoc />
    public long Length { get; } = export.Client.Size;

    /// <inheritdoc />
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        CheckRange(offset, data.Length);
        await export.Client.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
    {
        CheckRange(offset, length);
        if (length > 0) await export.Client.WriteZeroesAsync(offset, length, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken) => export.Client.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => export.DisposeAsync();

    private void CheckRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(length), $"Writing {length} bytes at {offset} would go past the end of the {Length}-byte volume '{image}'.");
    }
}
