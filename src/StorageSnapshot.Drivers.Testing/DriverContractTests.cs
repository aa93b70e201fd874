using Xunit;

namespace StorageSnapshot.Drivers.Testing;

/// <summary>
/// The behaviour every driver promises the engine (IStorageDriver.cs), as one reusable suite: a driver's test
/// class derives from this, says how to make a fresh backend on fresh storage and how to clean it up, and
/// inherits every test. Tests are [DriverContractFact]s so that a derived class on special storage (an XFS loop device,
/// a Ceph pool) declares its prerequisites once with an attribute implementing IDriverContractRequirements and the inherited tests skip or
/// run accordingly. Sizes are small (a few MiB) and deliberately odd, so that block-size assumptions show up.
/// </summary>
public abstract class DriverContractTests : IAsyncLifetime
{
    /// <summary>
    /// The granularity of the volume sizes the driver's device takes: 1 (any size, the default) or, for a device
    /// that counts in sectors (qcow2: 512 bytes), that sector size. Such a driver refuses other sizes with a clear
    /// error rather than rounding them; the suite then uses sizes rounded up to it.
    /// </summary>
    protected virtual long SizeGranularity => 1;

    /// <summary>Not a multiple of 4 KiB, nor of 512 (unless <see cref="SizeGranularity"/> asks for it).</summary>
    protected long OddSize => RoundUp((3L << 20) + 12345);

    /// <summary>The smallest volume the device takes.</summary>
    protected long SmallestSize => SizeGranularity;

    private long RoundUp(long size) => (size + SizeGranularity - 1) / SizeGranularity * SizeGranularity;

    private IDriverBackend? backend;

    /// <summary>The backend under test: fresh for every test.</summary>
    protected IDriverBackend Backend => backend ?? throw new InvalidOperationException("The backend is not open yet.");

    /// <summary>Opens a new backend on new, empty storage.</summary>
    protected abstract Task<IDriverBackend> CreateBackendAsync();

    /// <summary>Removes the storage made by <see cref="CreateBackendAsync"/> (the backend is already disposed).</summary>
    protected abstract Task DestroyBackendStorageAsync();

    /// <summary>
    /// Leaves behind what a crash in the middle of creating a volume or a snapshot would leave (a driver's temp
    /// files, half-made images). Drivers whose operations are atomic on the device keep the default.
    /// </summary>
    protected virtual Task LeaveInterruptedWorkBehindAsync(DriverObject volume) => Task.CompletedTask;

    /// <summary>
    /// Checks that an object's Location gives access to its bytes. The default suits drivers whose Location is a
    /// raw image file; others override.
    /// </summary>
    protected virtual async Task AssertLocationHoldsAsync(DriverObject image, byte[] expected)
    {
        Assert.True(File.Exists(image.Location), $"Location '{image.Location}' is not a file.");
        Assert.Equal(expected, await File.ReadAllBytesAsync(image.Location));
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        // A requirement that did not skip the test but is missing means the run requires it (a CI run): fail, don't skip.
        foreach (var requirements in DriverContractRequirements.Of(GetType()).Where(r => !r.Available))
            Assert.Fail($"{GetType().Name} needs {requirements.Description}");
        backend = await CreateBackendAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (backend is not null) await backend.DisposeAsync();
        await DestroyBackendStorageAsync();
    }

    [DriverContractFact]
    public async Task CreateVolumeHasTheSizeAndAReadableLocation()
    {
        var volume = await Backend.CreateVolumeAsync("vol1", OddSize, CancellationToken.None);

        Assert.Equal(OddSize, volume.SizeBytes);
        Assert.False(string.IsNullOrEmpty(volume.Reference));
        await AssertLocationHoldsAsync(volume, new byte[OddSize]);
    }

    [DriverContractFact]
    public async Task CreatingAnExistingVolumeIsAlreadyExists()
    {
        await Backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ConflictException>(() => Backend.CreateVolumeAsync("vol1", 2 << 20, CancellationToken.None));

        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        Assert.Single(await Backend.ListVolumesAsync(CancellationToken.None));
    }

    [DriverContractFact]
    public async Task SnapshotsKeepTheBytesOfTheirMoment()
    {
        var first = Pattern(OddSize, seed: 1);
        var volume = await CreateVolumeWithAsync("vol1", first);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var second = (byte[])first.Clone();
        await ChangeAsync(volume, second, offset: 4096, Pattern(100_000, seed: 2));
        await ZeroAsync(volume, second, offset: 1 << 20, length: 300_000);
        await ChangeAsync(volume, second, offset: OddSize - 1, new byte[] { 0xA5 });
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        Assert.Equal(OddSize, s1.SizeBytes);
        Assert.Equal(first, await ReadAllAsync(s1));
        Assert.Equal(second, await ReadAllAsync(s2));
        await AssertLocationHoldsAsync(volume, second);
    }

    /// <summary>One byte where the device takes any size; one sector where it counts in sectors.</summary>
    [DriverContractFact]
    public async Task ReaderReturnsExactBytesOfTheSmallestVolume()
    {
        var content = new byte[SmallestSize];
        content[0] = 0x42;
        var volume = await CreateVolumeWithAsync("tiny", content);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        using var reader = await Backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var buffer = new byte[4096];
        Assert.Equal(SmallestSize, reader.Length);
        Assert.Equal((int)Math.Min(buffer.Length, SmallestSize), await reader.ReadAsync(0, buffer, CancellationToken.None));
        Assert.Equal(0x42, buffer[0]);
        Assert.Equal(0, await reader.ReadAsync(SmallestSize, buffer, CancellationToken.None));
        Assert.Equal(0, await reader.ReadAsync(1 << 20, buffer, CancellationToken.None));
    }

    [DriverContractFact]
    public async Task ReaderReadsAtAnyOffsetFromManyThreads()
    {
        var content = Pattern(OddSize, seed: 3);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        using var reader = await Backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var offsets = Enumerable.Range(0, 64).Select(i => (long)i * 49_999 % OddSize).Append(OddSize - 7).ToArray();
        await Parallel.ForEachAsync(offsets, async (offset, ct) =>
        {
            var buffer = new byte[70_001];
            var read = await reader.ReadAsync(offset, buffer, ct);
            Assert.Equal((int)Math.Min(buffer.Length, OddSize - offset), read);
            Assert.True(content.AsSpan((int)offset, read).SequenceEqual(buffer.AsSpan(0, read)), $"Bytes differ at offset {offset}.");
        });
    }

    [DriverContractFact]
    public async Task RevertRestoresExactBytesAndNewerSnapshotsSurvive()
    {
        var original = Pattern(OddSize, seed: 4);
        var volume = await CreateVolumeWithAsync("vol1", original);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var changed = (byte[])original.Clone();
        await ChangeAsync(volume, changed, offset: 0, Pattern(2 << 20, seed: 5));
        var s2Key = Key();
        var s2 = await Backend.CreateSnapshotAsync(volume, s2Key, CancellationToken.None);
        await ChangeAsync(volume, changed, offset: 12345, Pattern(1000, seed: 6)); // written after s2: lost by the revert

        await Backend.RevertVolumeAsync(volume, s1, CancellationToken.None);

        var afterRevert = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        Assert.Equal(original, await ReadAllAsync(afterRevert));
        Assert.NotNull(await Backend.FindSnapshotAsync(volume, s2Key, CancellationToken.None));
        var s2Bytes = await ReadAllAsync(s2);
        Assert.Equal(Pattern(2 << 20, seed: 5), s2Bytes[..(2 << 20)]);
        Assert.Equal(original, await ReadAllAsync(s1));
    }

    [DriverContractFact]
    public async Task CloneHasTheSnapshotsBytesAndIsIndependent()
    {
        var original = Pattern(OddSize, seed: 7);
        var volume = await CreateVolumeWithAsync("vol1", original);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var clone = await Backend.CloneVolumeAsync(snapshot, "clone1", CancellationToken.None);
        Assert.Equal(OddSize, clone.SizeBytes);
        var cloneBytes = (byte[])original.Clone();
        await ChangeAsync(clone, cloneBytes, offset: 777, Pattern(50_000, seed: 8));
        var volumeBytes = (byte[])original.Clone();
        await ChangeAsync(volume, volumeBytes, offset: 99_999, Pattern(50_000, seed: 9));

        Assert.Equal(original, await ReadAllAsync(snapshot));
        Assert.Equal(cloneBytes, await ReadAllAsync(await Backend.CreateSnapshotAsync(clone, Key(), CancellationToken.None)));
        Assert.Equal(volumeBytes, await ReadAllAsync(await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None)));
        var error = await Assert.ThrowsAsync<ConflictException>(() => Backend.CloneVolumeAsync(snapshot, "clone1", CancellationToken.None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
    }

    [DriverContractFact]
    public async Task DeletingSnapshotsAndVolumesIsIdempotent()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 10));
        var key = Key();
        var snapshot = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None);

        await Backend.DeleteSnapshotAsync(snapshot, CancellationToken.None);
        await Backend.DeleteSnapshotAsync(snapshot, CancellationToken.None);
        Assert.Null(await Backend.FindSnapshotAsync(volume, key, CancellationToken.None));

        await Backend.DeleteVolumeAsync(volume, CancellationToken.None);
        await Backend.DeleteVolumeAsync(volume, CancellationToken.None);
        Assert.Empty(await Backend.ListVolumesAsync(CancellationToken.None));
    }

    [DriverContractFact]
    public async Task FindSnapshotFindsByKey()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 11));
        var key = Key();
        var snapshot = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None);

        var found = await Backend.FindSnapshotAsync(volume, key, CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(snapshot.Reference, found.Reference);
        Assert.Equal(snapshot.Location, found.Location);
        Assert.Null(await Backend.FindSnapshotAsync(volume, Key(), CancellationToken.None));
    }

    [DriverContractFact]
    public async Task CreatingASnapshotTwiceWithOneKeyReturnsTheFirst()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 12));
        var key = Key();
        var first = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None);
        await ChangeAsync(volume, new byte[1 << 20], 0, new byte[] { 1, 2, 3 });

        var again = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None);

        Assert.Equal(first.Reference, again.Reference);
        Assert.Equal(Pattern(1 << 20, seed: 12), await ReadAllAsync(again));
    }

    [DriverContractFact]
    public async Task FindVolumeFindsCreatedAndClonedVolumesByName()
    {
        var volume = await Backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var clone = await Backend.CloneVolumeAsync(snapshot, "clone1", CancellationToken.None);

        var found = await Backend.FindVolumeAsync("vol1", CancellationToken.None);
        var foundClone = await Backend.FindVolumeAsync("clone1", CancellationToken.None);

        Assert.Equal(volume.Reference, found?.Reference);
        Assert.Equal(volume.SizeBytes, found?.SizeBytes);
        Assert.Equal(clone.Reference, foundClone?.Reference);
    }

    [DriverContractFact]
    public async Task FindVolumeIsNullForAnUnknownADeletedOrAnInterruptedVolume()
    {
        var volume = await Backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        await Backend.CreateVolumeAsync("vol10", 1 << 20, CancellationToken.None);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await LeaveInterruptedWorkBehindAsync(volume);
        // As the engine does: a volume's snapshots go before the volume (some devices refuse otherwise).
        await Backend.DeleteSnapshotAsync(snapshot, CancellationToken.None);
        await Backend.DeleteVolumeAsync(volume, CancellationToken.None);

        Assert.Null(await Backend.FindVolumeAsync("vol1", CancellationToken.None));
        Assert.Null(await Backend.FindVolumeAsync("vol", CancellationToken.None));
        Assert.Null(await Backend.FindVolumeAsync("never-made", CancellationToken.None));
        Assert.NotNull(await Backend.FindVolumeAsync("vol10", CancellationToken.None));
    }

    [DriverContractFact]
    public async Task ListVolumesListsVolumesOnlyNotLeftoversOfInterruptedWork()
    {
        var v1 = await Backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        var v2 = await Backend.CreateVolumeAsync("vol2", 1 << 20, CancellationToken.None);
        await Backend.CreateSnapshotAsync(v1, Key(), CancellationToken.None);
        await LeaveInterruptedWorkBehindAsync(v1);

        var listed = await Backend.ListVolumesAsync(CancellationToken.None);

        Assert.Equal(new[] { v1.Reference, v2.Reference }.Order(), listed.Select(v => v.Reference).Order());
        Assert.Equal(new[] { "vol1", "vol2" }, listed.Select(v => v.Name).Order());
        Assert.All(listed, v => Assert.Equal(1 << 20, v.SizeBytes));
    }

    [DriverContractFact]
    public async Task ListSnapshotsListsWholeSnapshotsByTheirKeys()
    {
        var v1 = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 31));
        var v2 = await Backend.CreateVolumeAsync("vol2", 1 << 20, CancellationToken.None);
        Assert.Empty(await Backend.ListSnapshotsAsync(v1, CancellationToken.None));
        var (k1, k2) = (Key(), Key());
        var s1 = await Backend.CreateSnapshotAsync(v1, k1, CancellationToken.None);
        var s2 = await Backend.CreateSnapshotAsync(v1, k2, CancellationToken.None);
        await Backend.CloneVolumeAsync(s1, "clone1", CancellationToken.None);
        await LeaveInterruptedWorkBehindAsync(v1);

        var listed = await Backend.ListSnapshotsAsync(v1, CancellationToken.None);

        Assert.Equal(new[] { (k1, s1.Reference), (k2, s2.Reference) }.Order(), listed.Select(s => (s.Key, s.Snapshot.Reference)).Order());
        Assert.Empty(await Backend.ListSnapshotsAsync(v2, CancellationToken.None));
        await Backend.DeleteSnapshotAsync(s2, CancellationToken.None);
        Assert.Equal(k1, Assert.Single(await Backend.ListSnapshotsAsync(v1, CancellationToken.None)).Key);
    }

    [DriverContractFact]
    public async Task ListLeftoversListsInterruptedWorkThatDeleteLeftoversRemoves()
    {
        var v1 = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 32));
        var snapshot = await Backend.CreateSnapshotAsync(v1, Key(), CancellationToken.None);
        Assert.Empty(await Backend.ListLeftoversAsync(CancellationToken.None));
        await LeaveInterruptedWorkBehindAsync(v1);

        var leftovers = await Backend.ListLeftoversAsync(CancellationToken.None);
        var deleted = 0;
        foreach (var group in leftovers.GroupBy(l => l.VolumeName))
        {
            var keys = group.Select(l => l.SnapshotKey).OfType<string>().Distinct().ToArray();
            deleted += await Backend.DeleteLeftoversAsync(group.Key, keys, CancellationToken.None);
        }
        Assert.True(leftovers.Count == 0 || deleted >= 1, "Leftovers were listed but deleting them deleted nothing.");

        Assert.Empty(await Backend.ListLeftoversAsync(CancellationToken.None));
        Assert.Equal(v1.Reference, Assert.Single(await Backend.ListVolumesAsync(CancellationToken.None)).Reference);
        Assert.Equal(snapshot.Reference, Assert.Single(await Backend.ListSnapshotsAsync(v1, CancellationToken.None)).Snapshot.Reference);
        Assert.Equal(Pattern(1 << 20, seed: 32), await ReadAllAsync(snapshot));
    }

    [DriverContractFact]
    public async Task AllocatedRangesCoverAllData()
    {
        const long size = 8L << 20;
        var volume = await Backend.CreateVolumeAsync("vol1", size, CancellationToken.None);
        await using (var writer = await Backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            await writer.WriteAsync(5000, Pattern(10_000, seed: 13), CancellationToken.None);
            await writer.WriteAsync(3L << 20, Pattern(1 << 20, seed: 14), CancellationToken.None);
            await writer.WriteAsync(size - 1, new byte[] { 9 }, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        using var reader = await Backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var ranges = await reader.GetAllocatedRangesAsync(CancellationToken.None);
        if (ranges is null) return; // the device cannot tell: the contract says "read everything" then

        AssertSortedAndDisjoint(ranges, size);
        var bytes = await ReadAllAsync(snapshot);
        AssertCovered(bytes.Select((b, i) => (b, i)).Where(x => x.b != 0).Select(x => (long)x.i), ranges, "non-zero byte");
        Assert.True(ranges.Sum(r => r.Length) < size, "A sparse volume reported as fully allocated.");
    }

    [DriverContractFact]
    public async Task ChangedRangesCoverEveryChangedByteAndStaySmallForASmallChange()
    {
        if (!Backend.Capabilities.HasFlag(DriverCapabilities.ChangedRanges))
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => Backend.GetChangedRangesAsync(
                new DriverObject { Reference = "x", Location = "x" }, new DriverObject { Reference = "y", Location = "y" }, CancellationToken.None));
            return;
        }

        const long size = 8L << 20;
        var content = Pattern(size, seed: 15);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await ChangeAsync(volume, content, offset: 1 << 20, Pattern(4096, seed: 16));
        await ChangeAsync(volume, content, offset: (5L << 20) + 7, new byte[] { 1 });
        await ChangeAsync(volume, content, offset: size - 10, Pattern(10, seed: 17));
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var s3 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var changed = await Backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);
        var unchanged = await Backend.GetChangedRangesAsync(s2, s3, CancellationToken.None);

        AssertSortedAndDisjoint(changed, size);
        var older = await ReadAllAsync(s1);
        var newer = await ReadAllAsync(s2);
        AssertCovered(Enumerable.Range(0, (int)size).Where(i => older[i] != newer[i]).Select(i => (long)i), changed, "changed byte");
        Assert.True(changed.Sum(r => r.Length) <= 1 << 20, $"A 4 KiB change was reported as {changed.Sum(r => r.Length)} changed bytes.");
        Assert.True(unchanged.Sum(r => r.Length) <= 256 << 10, $"Two snapshots of an unchanged volume differ by {unchanged.Sum(r => r.Length)} bytes.");
    }

    [DriverContractFact]
    public async Task MethodsOfUndeclaredCapabilitiesThrowNotSupported()
    {
        var volume = new DriverObject { Reference = "volumes/none.img", Location = "none" };
        var snapshot = new DriverObject { Reference = "snapshots/none/none.img", Location = "none" };
        var calls = new (DriverCapabilities Capability, Func<Task> Call)[]
        {
            (DriverCapabilities.CreateVolume, () => Backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None)),
            (DriverCapabilities.Snapshot, () => Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None)),
            (DriverCapabilities.Revert, () => Backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None)),
            (DriverCapabilities.Clone, () => Backend.CloneVolumeAsync(snapshot, "vol2", CancellationToken.None)),
            (DriverCapabilities.Delete, () => Backend.DeleteSnapshotAsync(snapshot, CancellationToken.None)),
            (DriverCapabilities.ReadSnapshot, () => Backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None)),
            (DriverCapabilities.ChangedRanges, () => Backend.GetChangedRangesAsync(snapshot, snapshot, CancellationToken.None)),
            (DriverCapabilities.WriteVolume, () => Backend.OpenVolumeWriterAsync(volume, CancellationToken.None)),
        };
        foreach (var (capability, call) in calls.Where(c => !Backend.Capabilities.HasFlag(c.Capability)))
            await Assert.ThrowsAsync<NotSupportedException>(call);

        // Declared ones must be reachable: a declared capability whose method throws NotSupported is a lie.
        if (Backend.Capabilities.HasFlag(DriverCapabilities.CreateVolume))
            Assert.Equal(1 << 20, (await Backend.CreateVolumeAsync("declared", 1 << 20, CancellationToken.None)).SizeBytes);
    }

    [DriverContractFact]
    public async Task CancelledOperationsThrowAndLeaveNothing()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var volume = await CreateVolumeWithAsync("vol1", Pattern(2 << 20, seed: 18));
        var key = Key();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Backend.CreateVolumeAsync("vol2", 1 << 20, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Backend.CreateSnapshotAsync(volume, key, cancelled.Token));

        Assert.Equal(new[] { volume.Reference }, (await Backend.ListVolumesAsync(CancellationToken.None)).Select(v => v.Reference));
        Assert.Null(await Backend.FindSnapshotAsync(volume, key, CancellationToken.None));
    }

    /// <summary>A fresh snapshot key, as the engine passes one (an inventory id: letters and digits).</summary>
    protected static string Key() => Guid.NewGuid().ToString("N");

    /// <summary>Deterministic pseudo-random bytes (incompressible, never all zeros).</summary>
    protected static byte[] Pattern(long length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Creates a volume holding exactly <paramref name="content"/>.</summary>
    protected async Task<DriverObject> CreateVolumeWithAsync(string name, byte[] content)
    {
        var volume = await Backend.CreateVolumeAsync(name, content.Length, CancellationToken.None);
        await ChangeAsync(volume, new byte[content.Length], 0, content);
        return volume;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> and mirrors it in <paramref name="expected"/>.</summary>
    protected async Task ChangeAsync(DriverObject volume, byte[] expected, long offset, byte[] data)
    {
        await using var writer = await Backend.OpenVolumeWriterAsync(volume, CancellationToken.None);
        await writer.WriteAsync(offset, data, CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);
        data.CopyTo(expected.AsSpan((int)offset));
    }

    /// <summary>Zeroes a range and mirrors it in <paramref name="expected"/>.</summary>
    protected async Task ZeroAsync(DriverObject volume, byte[] expected, long offset, long length)
    {
        await using var writer = await Backend.OpenVolumeWriterAsync(volume, CancellationToken.None);
        await writer.ZeroAsync(offset, length, CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);
        expected.AsSpan((int)offset, (int)length).Clear();
    }

    /// <summary>Every byte of a snapshot, through the driver's reader.</summary>
    protected async Task<byte[]> ReadAllAsync(DriverObject snapshot)
    {
        using var reader = await Backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var bytes = new byte[reader.Length];
        for (var offset = 0; offset < bytes.Length;)
        {
            var read = await reader.ReadAsync(offset, bytes.AsMemory(offset, Math.Min(1 << 20, bytes.Length - offset)), CancellationToken.None);
            Assert.True(read > 0, $"The reader returned nothing at {offset} of {bytes.Length}.");
            offset += read;
        }
        return bytes;
    }

    private static void AssertSortedAndDisjoint(IReadOnlyList<ByteRange> ranges, long size)
    {
        for (var i = 0; i < ranges.Count; i++)
        {
            Assert.True(ranges[i].Length > 0 && ranges[i].Offset >= 0 && ranges[i].End <= size, $"Range {ranges[i]} is empty or outside the {size}-byte image.");
            if (i > 0) Assert.True(ranges[i - 1].End <= ranges[i].Offset, $"Ranges {ranges[i - 1]} and {ranges[i]} overlap or are unsorted.");
        }
    }

    private static void AssertCovered(IEnumerable<long> offsets, IReadOnlyList<ByteRange> ranges, string what)
    {
        var index = 0;
        foreach (var offset in offsets)
        {
            while (index < ranges.Count && ranges[index].End <= offset) index++;
            Assert.True(index < ranges.Count && ranges[index].Offset <= offset, $"The {what} at offset {offset} is in no reported range.");
        }
    }
}
