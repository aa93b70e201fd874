using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>Uniqueness, foreign keys and missing rows surface as the engine's typed errors, naming the object.</summary>
public abstract class InventoryConstraintContract : IAsyncLifetime, IDisposable
{
    private readonly InventoryStore _folder;

    private protected InventoryConstraintContract(InventoryStore store) => _folder = store;
    private readonly Volume _db01 = Volume("lab", "db01");
    private readonly Volume _other = Volume("prod", "db01");
    private ISnapshotInventory _inventory = null!;

    public async Task InitializeAsync()
    {
        _inventory = await _folder.OpenAsync();
        await _inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertBackendAsync(Backend("prod"), None);
            await tx.InsertVolumeAsync(_db01, None);
            await tx.InsertVolumeAsync(_other, None);
        });
    }

    public Task DisposeAsync() => _inventory.DisposeAsync().AsTask();

    public void Dispose() => _folder.Dispose();

    [ContractFact]
    public async Task BackendNameIsUniqueIgnoringCase()
    {
        var error = await FailsAsync<ConflictException>(tx => tx.InsertBackendAsync(Backend("LAB"), None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, error.Kind);
        Assert.Equal("A backend named 'LAB' is already registered.", error.Message);
    }

    [ContractFact]
    public async Task VolumeNameIsUniquePerBackendIgnoringCase()
    {
        var error = await FailsAsync<ConflictException>(tx => tx.InsertVolumeAsync(Volume("lab", "DB01"), None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        Assert.Equal("A volume named 'DB01' already exists on backend 'lab'.", error.Message);

        // The same name on another backend is fine (the fixture already has prod/db01); renaming into a taken name is not.
        var second = Volume("lab", "db02");
        await _inventory.WriteAsync(tx => tx.InsertVolumeAsync(second, None));
        var rename = await FailsAsync<ConflictException>(tx => tx.UpdateVolumeAsync(second with { Name = "DB01" }, None));
        Assert.Equal("A volume named 'DB01' already exists on backend 'lab'.", rename.Message);
    }

    [ContractFact]
    public async Task VolumeIdIsUnique()
    {
        var error = await FailsAsync<ConflictException>(tx => tx.InsertVolumeAsync(Volume("lab", "fresh") with { Id = _db01.Id }, None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        Assert.Contains(_db01.Id, error.Message);
    }

    [ContractFact]
    public async Task SnapshotNameIsUniquePerVolumeIgnoringCase()
    {
        var t = Utc(2026, 11, 22);
        await _inventory.WriteAsync(async tx =>
        {
            await tx.InsertSnapshotAsync(Snapshot(_db01, "nightly", t), None);
            await tx.InsertSnapshotAsync(Snapshot(_other, "nightly", t), None);
        });
        var error = await FailsAsync<ConflictException>(tx => tx.InsertSnapshotAsync(Snapshot(_db01, "NIGHTLY", t), None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        Assert.Equal("A snapshot named 'NIGHTLY' already exists on volume 'db01' on backend 'lab'.", error.Message);
    }

    [ContractFact]
    public async Task ClientTokenIsUniquePerVolumeCaseSensitivelyAndOnlyWhenSet()
    {
        var t = Utc(2026, 11, 22);
        await _inventory.WriteAsync(async tx =>
        {
            await tx.InsertSnapshotAsync(Snapshot(_db01, "s1", t, clientToken: "tok"), None);
            await tx.InsertSnapshotAsync(Snapshot(_other, "s1", t, clientToken: "tok"), None);
            await tx.InsertSnapshotAsync(Snapshot(_db01, "s2", t, clientToken: "TOK"), None);
            await tx.InsertSnapshotAsync(Snapshot(_db01, "s3", t, clientToken: null), None);
            await tx.InsertSnapshotAsync(Snapshot(_db01, "s4", t, clientToken: null), None);
        });
        var error = await FailsAsync<ConflictException>(tx => tx.InsertSnapshotAsync(Snapshot(_db01, "s5", t, clientToken: "tok"), None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        Assert.Equal("A snapshot with client token 'tok' already exists on volume 'db01' on backend 'lab'.", error.Message);
    }

    [ContractFact]
    public async Task SnapshotIdIsUnique()
    {
        var first = Snapshot(_db01, "s1", Utc(2026, 11, 22));
        await _inventory.WriteAsync(tx => tx.InsertSnapshotAsync(first, None));
        var error = await FailsAsync<ConflictException>(tx => tx.InsertSnapshotAsync(Snapshot(_db01, "s2", Utc(2026, 11, 22)) with { Id = first.Id }, None));
        Assert.Equal($"A snapshot with id '{first.Id}' already exists.", error.Message);
    }

    [ContractFact]
    public async Task ParentsMustExist()
    {
        var volume = await FailsAsync<ObjectNotFoundException>(tx => tx.InsertVolumeAsync(Volume("nowhere", "v"), None));
        Assert.Equal(ErrorIds.BackendNotFound, volume.ErrorId);
        Assert.Equal("nowhere", volume.Target);

        var orphan = Snapshot(_db01, "s", Utc(2026, 11, 22)) with { VolumeId = "NOVOLUME" };
        var snapshot = await FailsAsync<ObjectNotFoundException>(tx => tx.InsertSnapshotAsync(orphan, None));
        Assert.Equal(ErrorIds.VolumeNotFound, snapshot.ErrorId);
        Assert.Contains("NOVOLUME", snapshot.Message);
    }

    [ContractFact]
    public async Task AVolumeWithSnapshotsCannotBeDeletedUntilTheyAreGone()
    {
        var snapshot = Snapshot(_db01, "s", Utc(2026, 11, 22));
        await _inventory.WriteAsync(tx => tx.InsertSnapshotAsync(snapshot, None));

        var error = await FailsAsync<ConflictException>(tx => tx.DeleteVolumeAsync(_db01.Id, None));
        Assert.Equal(ErrorIds.VolumeHasSnapshots, error.ErrorId);
        Assert.NotNull(await _inventory.GetVolumeAsync(_db01.Id, None));

        await _inventory.WriteAsync(async tx =>
        {
            await tx.DeleteSnapshotAsync(snapshot.Id, None);
            await tx.DeleteVolumeAsync(_db01.Id, None);
        });
        Assert.Null(await _inventory.GetVolumeAsync(_db01.Id, None));
        Assert.Null(await _inventory.GetSnapshotAsync(snapshot.Id, None));
    }

    [ContractFact]
    public async Task ABackendWithVolumesCannotBeDeleted()
    {
        var error = await FailsAsync<ConflictException>(tx => tx.DeleteBackendAsync("LAB", None));
        Assert.Equal(ErrorIds.BackendHasVolumes, error.ErrorId);
        await _inventory.WriteAsync(async tx =>
        {
            await tx.DeleteVolumeAsync(_db01.Id, None);
            await tx.DeleteBackendAsync("LAB", None);
        });
        Assert.Null(await _inventory.GetBackendAsync("lab", None));
    }

    [ContractFact]
    public async Task UpdatesAndDeletesOfMissingRowsNameWhatWasMissing()
    {
        async Task Expect(string errorId, string target, Func<IInventoryTransaction, Task> change)
        {
            var error = await FailsAsync<ObjectNotFoundException>(change);
            Assert.Equal(errorId, error.ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, error.Kind);
            Assert.Equal(target, error.Target);
            Assert.Contains(target, error.Message);
        }

        await Expect(ErrorIds.BackendNotFound, "ghost", tx => tx.UpdateBackendAsync(Backend("ghost"), None));
        await Expect(ErrorIds.BackendNotFound, "ghost", tx => tx.DeleteBackendAsync("ghost", None));
        await Expect(ErrorIds.VolumeNotFound, "V404", tx => tx.UpdateVolumeAsync(_db01 with { Id = "V404" }, None));
        await Expect(ErrorIds.VolumeNotFound, "V404", tx => tx.DeleteVolumeAsync("V404", None));
        var snapshot = Snapshot(_db01, "s", Utc(2026, 11, 22)) with { Id = "S404" };
        await Expect(ErrorIds.SnapshotNotFound, "S404", tx => tx.UpdateSnapshotAsync(snapshot, None));
        await Expect(ErrorIds.SnapshotNotFound, "S404", tx => tx.DeleteSnapshotAsync("S404", None));
        var operation = Operation(_db01, OperationState.Running, Utc(2026, 11, 22)) with { Id = "O404" };
        await Expect(ErrorIds.InvalidState, "O404", tx => tx.UpdateOperationAsync(operation, None));
    }

    [ContractFact]
    public async Task OperationIdIsUnique()
    {
        var operation = Operation(_db01, OperationState.Running, Utc(2026, 11, 22));
        await _inventory.WriteAsync(tx => tx.InsertOperationAsync(operation, None));
        var error = await FailsAsync<ConflictException>(tx => tx.InsertOperationAsync(operation, None));
        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
    }

    [ContractFact]
    public async Task UndefinedEnumValuesAndNegativeSizesAreRefusedAndNothingIsWritten()
    {
        var badState = Snapshot(_db01, "bad", Utc(2026, 11, 22)) with { State = (SnapshotState)42 };
        var error = await FailsAsync<ValidationException>(tx => tx.InsertSnapshotAsync(badState, None));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("42 is not a valid SnapshotState", error.Message);

        var negative = Snapshot(_db01, "neg", Utc(2026, 11, 22)) with { SizeBytes = -1 };
        Assert.Equal(ErrorIds.InvalidArgument, (await FailsAsync<ValidationException>(tx => tx.InsertSnapshotAsync(negative, None))).ErrorId);
        Assert.Empty(await _inventory.ListSnapshotsAsync(new SnapshotQuery(), None));
    }

    [ContractFact]
    public async Task ATransactionStaysUsableAfterARefusedStatement()
    {
        await using (var tx = await _inventory.BeginAsync(None))
        {
            await Assert.ThrowsAsync<ConflictException>(() => tx.InsertVolumeAsync(Volume("lab", "db01"), None));
            await tx.InsertVolumeAsync(Volume("lab", "db02"), None);
            await tx.CommitAsync(None);
        }
        Assert.NotNull(await _inventory.FindVolumeAsync("lab", "db02", None));
    }

    /// <summary>Runs the change in its own transaction and expects it to throw <typeparamref name="T"/>.</summary>
    private async Task<T> FailsAsync<T>(Func<IInventoryTransaction, Task> change) where T : Exception
    {
        await using var tx = await _inventory.BeginAsync(None);
        return await Assert.ThrowsAsync<T>(() => change(tx));
    }
}

/// <summary>The contract on an SQLite file.</summary>
public sealed class SqliteInventoryConstraintTests() : InventoryConstraintContract(new SqliteStore());

/// <summary>The contract on a PostgreSQL database.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class PostgresInventoryConstraintTests() : InventoryConstraintContract(new PostgresStore());
