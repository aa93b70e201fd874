using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.TestHost.Faults;

/// <summary>
/// Wraps a real driver (the directory driver) and passes every call the engine makes through a
/// <see cref="FaultPlan"/>: opening a backend session, each backend method, each read of a snapshot reader and
/// each write, zeroing, flush of a volume writer, and the disposal of all three. Before and after each call the
/// plan may throw (an <see cref="IOException"/>, as a driver whose storage errs would), hang or kill the process.
/// Unlike <see cref="HookedDriver"/>, which tests use to act at one named method, this numbers every call so that
/// a loop can strike each in turn.
/// </summary>
public sealed class FaultInjectingDriver : IStorageDriver
{
    private readonly IStorageDriver inner;
    private readonly FaultPlan plan;

    public FaultInjectingDriver(IStorageDriver inner, FaultPlan plan)
    {
        this.inner = inner;
        this.plan = plan;
    }

    public DriverDescriptor Descriptor => inner.Descriptor;

    public Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken) =>
        inner.ValidateBackendAsync(properties, cancellationToken);

    public async Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        var session = await Calls.RunAsync(plan, "Driver.OpenBackend", false, DriverError,
            () => inner.OpenBackendAsync(backendName, properties, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new Backend(session, plan);
    }

    /// <summary>What a driver throws when its storage fails: a plain exception the engine classifies as DriverFailed.</summary>
    internal static Exception DriverError(string message) => new IOException(message);

    private sealed class Backend : IDriverBackend
    {
        private readonly IDriverBackend inner;
        private readonly FaultPlan plan;

        public Backend(IDriverBackend inner, FaultPlan plan)
        {
            this.inner = inner;
            this.plan = plan;
        }

        public DriverCapabilities Capabilities => inner.Capabilities;

        public Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken) =>
            Control("Backend.CreateVolume", () => inner.CreateVolumeAsync(volumeName, sizeBytes, cancellationToken), cancellationToken);

        public Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken) =>
            Control("Backend.DeleteVolume", () => inner.DeleteVolumeAsync(volume, cancellationToken), cancellationToken);

        public Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken) =>
            Control("Backend.ListVolumes", () => inner.ListVolumesAsync(cancellationToken), cancellationToken);

        public Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken) =>
            Control("Backend.CreateSnapshot", () => inner.CreateSnapshotAsync(volume, snapshotKey, cancellationToken), cancellationToken);

        public Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken) =>
            Control("Backend.FindSnapshot", () => inner.FindSnapshotAsync(volume, snapshotKey, cancellationToken), cancellationToken);

        public Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken) =>
            Control("Backend.DeleteSnapshot", () => inner.DeleteSnapshotAsync(snapshot, cancellationToken), cancellationToken);

        public Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken) =>
            Control("Backend.RevertVolume", () => inner.RevertVolumeAsync(volume, snapshot, cancellationToken), cancellationToken);

        public Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken) =>
            Control("Backend.CloneVolume", () => inner.CloneVolumeAsync(snapshot, newVolumeName, cancellationToken), cancellationToken);

        public Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken) =>
            Control("Backend.GetChangedRanges", () => inner.GetChangedRangesAsync(older, newer, cancellationToken), cancellationToken);

        public async Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken) =>
            new Reader(await Control("Backend.OpenSnapshotReader", () => inner.OpenSnapshotReaderAsync(snapshot, cancellationToken), cancellationToken).ConfigureAwait(false), plan);

        public async Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken) =>
            new Writer(await Control("Backend.OpenVolumeWriter", () => inner.OpenVolumeWriterAsync(volume, cancellationToken), cancellationToken).ConfigureAwait(false), plan);

        public async ValueTask DisposeAsync() =>
            await Calls.RunAsync(plan, "Backend.Dispose", false, DriverError, async () => { await inner.DisposeAsync().ConfigureAwait(false); return true; }, CancellationToken.None).ConfigureAwait(false);

        private Task<T> Control<T>(string site, Func<Task<T>> call, CancellationToken cancellationToken) =>
            Calls.RunAsync(plan, site, false, DriverError, call, cancellationToken);

        private Task Control(string site, Func<Task> call, CancellationToken cancellationToken) =>
            Calls.RunAsync(plan, site, false, DriverError, async () => { await call().ConfigureAwait(false); return true; }, cancellationToken);
    }

    private sealed class Reader : IBlockReader
    {
        private readonly IBlockReader inner;
        private readonly FaultPlan plan;

        public Reader(IBlockReader inner, FaultPlan plan)
        {
            this.inner = inner;
            this.plan = plan;
        }

        public long Length => inner.Length;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            await Calls.RunAsync(plan, "Reader.Read", true, DriverError, () => inner.ReadAsync(offset, buffer, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);

        public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) =>
            Calls.RunAsync(plan, "Reader.GetAllocatedRanges", false, DriverError, () => inner.GetAllocatedRangesAsync(cancellationToken), cancellationToken);

        public void Dispose()
        {
            var call = plan.Enter("Reader.Dispose", false);
            plan.At(call, FaultPhase.Before, DriverError);
            inner.Dispose();
            plan.At(call, FaultPhase.After, DriverError);
        }
    }

    private sealed class Writer : IBlockWriter
    {
        private readonly IBlockWriter inner;
        private readonly FaultPlan plan;

        public Writer(IBlockWriter inner, FaultPlan plan)
        {
            this.inner = inner;
            this.plan = plan;
        }

        public long Length => inner.Length;

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            await Calls.RunAsync(plan, "Writer.Write", true, DriverError, async () => { await inner.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

        public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken) =>
            await Calls.RunAsync(plan, "Writer.Zero", true, DriverError, async () => { await inner.ZeroAsync(offset, length, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

        public Task FlushAsync(CancellationToken cancellationToken) =>
            Calls.RunAsync(plan, "Writer.Flush", false, DriverError, async () => { await inner.FlushAsync(cancellationToken).ConfigureAwait(false); return true; }, cancellationToken);

        public async ValueTask DisposeAsync() =>
            await Calls.RunAsync(plan, "Writer.Dispose", false, DriverError, async () => { await inner.DisposeAsync().ConfigureAwait(false); return true; }, CancellationToken.None).ConfigureAwait(false);
    }
}

/// <summary>The one way every wrapped call runs: enter, fault before, the real call, fault after.</summary>
internal static class Calls
{
    public static async Task<T> RunAsync<T>(FaultPlan plan, string site, bool isData, Func<string, Exception> error, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var ticket = plan.Enter(site, isData);
        await plan.AtAsync(ticket, FaultPhase.Before, error, cancellationToken).ConfigureAwait(false);
        var result = await call().ConfigureAwait(false);
        try
        {
            await plan.AtAsync(ticket, FaultPhase.After, error, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The call "failed" after doing its work: whatever it opened is closed again, as a driver would on
            // its own error path; what it made on the storage stays (that is the point).
            switch (result)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
            throw;
        }
        return result;
    }
}
