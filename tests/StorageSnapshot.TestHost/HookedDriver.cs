using System.Collections.Concurrent;
using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.TestHost;

/// <summary>
/// A test-only driver that wraps a real one (the directory driver, in practice) and lets a test act around
/// each backend call: slow it down, pause it until killed, fail it before or after the real work, cancel it.
/// It can also add or remove declared capabilities (ClonesDependOnSnapshot, RevertDestroysNewerSnapshots, a
/// missing Revert) to drive the engine's capability checks with real storage underneath. It records every
/// call so tests can assert that the engine did — or did not — reach the driver.
/// </summary>
public sealed class HookedDriver : IStorageDriver
{
    private readonly IStorageDriver inner;
    private readonly DriverCapabilities added;
    private readonly DriverCapabilities removed;

    /// <param name="inner">The real driver.</param>
    /// <param name="name">Registry name (default: the inner driver's).</param>
    /// <param name="add">Capabilities to declare on top of the inner driver's.</param>
    /// <param name="remove">Capabilities to take away.</param>
    public HookedDriver(IStorageDriver inner, string? name = null, DriverCapabilities add = DriverCapabilities.None, DriverCapabilities remove = DriverCapabilities.None)
    {
        this.inner = inner;
        added = add;
        removed = remove;
        var declared = inner.Descriptor;
        Descriptor = declared with { Name = name ?? declared.Name, Capabilities = (declared.Capabilities | add) & ~remove };
    }

    public DriverDescriptor Descriptor { get; }

    /// <summary>Runs before the inner call of the named method ("CreateSnapshot", "RevertVolume", ...).</summary>
    public Func<string, CancellationToken, Task>? Before { get; set; }

    /// <summary>Runs after the inner call returned (to fail once the real work is done: a half-made object).</summary>
    public Func<string, CancellationToken, Task>? After { get; set; }

    /// <summary>
    /// Runs before every write or zeroing (its offset) through a writer the driver opened: to pause or fail a
    /// restore in the middle of its data.
    /// </summary>
    public Func<long, CancellationToken, Task>? BeforeWrite { get; set; }

    /// <summary>Runs after every write or zeroing through such a writer returned (the bytes are in the volume).</summary>
    public Func<long, CancellationToken, Task>? AfterWrite { get; set; }

    /// <summary>
    /// Runs after a session was opened, before the engine uses it (not recorded in <see cref="Calls"/>): to change
    /// the inventory between an operation's session and its phase one.
    /// </summary>
    public Func<CancellationToken, Task>? Opened { get; set; }

    /// <summary>Backend calls in the order they were made.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken) =>
        inner.ValidateBackendAsync(properties, cancellationToken);

    public string? DataLocation(IReadOnlyDictionary<string, string> properties) => inner.DataLocation(properties);

    public async Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        var backend = await inner.OpenBackendAsync(backendName, properties, cancellationToken).ConfigureAwait(false);
        if (Opened is { } opened) await opened(cancellationToken).ConfigureAwait(false);
        return new HookedBackend(this, backend, (backend.Capabilities | added) & ~removed);
    }

    private sealed class HookedBackend : IDriverBackend
    {
        private readonly HookedDriver driver;
        private readonly IDriverBackend inner;

        public HookedBackend(HookedDriver driver, IDriverBackend inner, DriverCapabilities capabilities)
        {
            this.driver = driver;
            this.inner = inner;
            Capabilities = capabilities;
        }

        public DriverCapabilities Capabilities { get; }

        // A look that changes nothing: not recorded in Calls (-WhatIf tests count the calls that may change something).
        public Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken) =>
            inner.CheckNewVolumeAsync(sizeBytes, cancellationToken);

        public Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken) =>
            Hooked("CreateVolume", () => inner.CreateVolumeAsync(volumeName, sizeBytes, cancellationToken), cancellationToken);

        public Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken) =>
            Hooked("DeleteVolume", () => inner.DeleteVolumeAsync(volume, cancellationToken), cancellationToken);

        public Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken) =>
            Hooked("ListVolumes", () => inner.ListVolumesAsync(cancellationToken), cancellationToken);

        public Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken) =>
            Hooked("CreateSnapshot", () => inner.CreateSnapshotAsync(volume, snapshotKey, cancellationToken), cancellationToken);

        public Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken) =>
            Hooked("FindSnapshot", () => inner.FindSnapshotAsync(volume, snapshotKey, cancellationToken), cancellationToken);

        public Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken) =>
            Hooked("DeleteSnapshot", () => inner.DeleteSnapshotAsync(snapshot, cancellationToken), cancellationToken);

        public Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken) =>
            Hooked("RevertVolume", () => inner.RevertVolumeAsync(volume, snapshot, cancellationToken), cancellationToken);

        public Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken) =>
            Hooked("CloneVolume", () => inner.CloneVolumeAsync(snapshot, newVolumeName, cancellationToken), cancellationToken);

        public Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken) =>
            Hooked("OpenSnapshotReader", () => inner.OpenSnapshotReaderAsync(snapshot, cancellationToken), cancellationToken);

        public Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken) =>
            Hooked("GetChangedRanges", () => inner.GetChangedRangesAsync(older, newer, cancellationToken), cancellationToken);

        public async Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken)
        {
            var writer = await Hooked("OpenVolumeWriter", () => inner.OpenVolumeWriterAsync(volume, cancellationToken), cancellationToken).ConfigureAwait(false);
            return driver.BeforeWrite is null && driver.AfterWrite is null ? writer : new HookedWriter(writer, driver);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private async Task Hooked(string method, Func<Task> call, CancellationToken cancellationToken) =>
            await Hooked<bool>(method, async () => { await call().ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

        private async Task<T> Hooked<T>(string method, Func<Task<T>> call, CancellationToken cancellationToken)
        {
            driver.Calls.Enqueue(method);
            if (driver.Before is { } before) await before(method, cancellationToken).ConfigureAwait(false);
            var result = await call().ConfigureAwait(false);
            if (driver.After is { } after) await after(method, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    private sealed class HookedWriter : IBlockWriter
    {
        private readonly IBlockWriter inner;
        private readonly HookedDriver driver;

        public HookedWriter(IBlockWriter inner, HookedDriver driver)
        {
            this.inner = inner;
            this.driver = driver;
        }

        public long Length => inner.Length;

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (driver.BeforeWrite is { } before) await before(offset, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
            if (driver.AfterWrite is { } after) await after(offset, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
        {
            if (driver.BeforeWrite is { } before) await before(offset, cancellationToken).ConfigureAwait(false);
            await inner.ZeroAsync(offset, length, cancellationToken).ConfigureAwait(false);
            if (driver.AfterWrite is { } after) await after(offset, cancellationToken).ConfigureAwait(false);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
