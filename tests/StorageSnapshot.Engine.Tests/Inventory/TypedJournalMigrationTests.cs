using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// Migration 4 (the typed journal): an inventory written before it — journal details as flat string bags,
/// event kinds glued from prefixes, secondary storages with lower-case kind and compression — opens with every
/// row readable as the typed records, and the journal keeps working.
/// </summary>
public sealed class TypedJournalMigrationTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly InventoryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Rows_written_before_the_typed_journal_read_as_typed_records()
    {
        await using (await SqliteInventory.OpenAsync(folder.DatabasePath, SqliteMigrations.All.Take(3).ToArray(), TimeSpan.FromSeconds(10), None))
        {
        }
        await ExecuteAsync("""
            INSERT INTO backends (name, driver, properties, registered) VALUES ('lab', 'directory', '{"Path":"/srv/lab"}', 0);
            INSERT INTO secondary_storages (name, kind, path, chunk_size, compression, registered, repository_id)
                VALUES ('nfs1', 'filesystem', '/mnt/backup', 4194304, 'deflate', 0, 'abc');
            INSERT INTO operations (id, kind, state, backend, volume, target_type, target_id, started, ended, attempts, error, owner, details) VALUES
                ('op1', 'CreateSnapshot', 'NeedsRecovery', 'lab', 'db01', 'Snapshot', 'snap1', 1, NULL, 1, 'died', 'h/1/t',
                 '{"snapshotKey":"snap1","volumeId":"vol1","volumeReference":"db01.img"}'),
                ('op2', 'DeleteVolume', 'Failed', 'lab', 'db02', 'Volume', 'vol2', 2, 3, 1, NULL, 'h/1/t',
                 '{"volumeName":"db02","volumeReference":""}'),
                ('op3', 'RestoreFromCopy', 'Succeeded', 'lab', 'db01', 'Volume', 'vol1', 4, 5, 1, NULL, 'h/1/t',
                 '{"copyId":"c1","copySnapshotId":"snap1","destination":"nfs1","repository":"/mnt/backup","mode":"InPlace","volumeId":"vol1","volumeReference":"db01.img","safetySnapshotKey":"k1","safetySnapshotReference":"db01@k1","safetySnapshotLocation":"/srv/lab/k1","dataRestored":"true"}'),
                ('op4', 'CopyToSecondary', 'Running', 'lab', 'db01', 'Copy', 'c1', 6, NULL, 1, NULL, 'h/1/t',
                 '{"snapshotId":"snap1","destination":"nfs1","repository":"/mnt/backup"}'),
                ('op5', 'RevertSnapshot', 'Succeeded', 'lab', 'db01', 'Snapshot', 'snap1', 7, 8, 1, NULL, 'h/1/t',
                 '{"volumeId":"vol1","volumeReference":"db01.img","snapshotReference":"db01@snap1","previousHeadSnapshotId":""}');
            INSERT INTO events (time, kind, backend, volume, target_type, target_id, bytes, operation_id, message) VALUES
                (1, 'snapshot.created', 'lab', 'db01', 'Snapshot', 'snap1', 10, 'op0', 'a'),
                (2, 'copy.failed', 'lab', 'db01', 'Copy', 'c1', NULL, 'op4', 'b'),
                (3, 'volume.cancelled', 'lab', 'db01', 'Volume', 'vol1', NULL, 'op3', 'c'),
                (4, 'copy.done', 'lab', 'db01', 'Copy', 'c1', 20, 'op4', 'd'),
                (5, 'backend.maintenance-on', 'lab', NULL, 'Backend', 'lab', NULL, NULL, 'e'),
                (6, 'secondary.failed-copies-removed', NULL, NULL, 'SecondaryStorage', 'nfs1', 30, NULL, 'f'),
                (7, 'operation.needs-recovery', 'lab', 'db01', 'Snapshot', 'snap1', NULL, 'op1', 'g');
            """);

        await using var inventory = await folder.OpenAsync();

        var operations = (await inventory.ListOperationsAsync(null, null, null, None)).ToDictionary(o => o.Id);
        Assert.Equal(new CreateSnapshotDetails { SnapshotKey = "snap1", VolumeId = "vol1", VolumeReference = "db01.img" }, operations["op1"].Details);
        Assert.Equal((TargetKind.Snapshot, OperationState.NeedsRecovery, "died"), (operations["op1"].TargetKind, operations["op1"].State, operations["op1"].Error));
        Assert.Equal(new DeleteVolumeDetails { VolumeName = "db02", VolumeReference = null }, operations["op2"].Details); // "" was "none"
        Assert.Equal(new RestoreFromCopyDetails
        {
            Mode = RestoreMode.InPlace, CopyId = "c1", CopySnapshotId = "snap1", Destination = "nfs1", Repository = "/mnt/backup",
            VolumeId = "vol1", VolumeReference = "db01.img", SafetySnapshotKey = "k1", SafetySnapshotReference = "db01@k1",
            SafetySnapshotLocation = "/srv/lab/k1", DataRestored = true,
        }, operations["op3"].Details);
        Assert.Equal(new CopyToSecondaryDetails { SnapshotId = "snap1", Destination = "nfs1", Repository = "/mnt/backup" }, operations["op4"].Details);
        Assert.Equal(new RevertSnapshotDetails { VolumeId = "vol1", VolumeReference = "db01.img", SnapshotReference = "db01@snap1" }, operations["op5"].Details);
        Assert.Equal(("nfs1", "nfs1", (string?)null), (operations["op3"].Destination, operations["op4"].Destination, operations["op1"].Destination));
        Assert.Equal(TargetKind.Copy, operations["op4"].TargetKind);

        var events = await inventory.ListEventsAsync(0, 100, None);
        Assert.Equal(
            [EventKind.SnapshotCreated, EventKind.OperationFailed, EventKind.OperationCancelled, EventKind.CopyCreated, EventKind.BackendMaintenanceOn,
             EventKind.FailedCopiesRemoved, EventKind.OperationNeedsRecovery],
            events.Select(e => e.Kind));
        Assert.Equal([TargetKind.Snapshot, TargetKind.Copy, TargetKind.Volume, TargetKind.Copy, TargetKind.Backend, TargetKind.SecondaryStorage, TargetKind.Snapshot],
            events.Select(e => e.TargetKind!.Value));

        var storage = (await inventory.GetSecondaryStorageAsync("nfs1", None))!;
        Assert.Equal((SecondaryStorageKind.FileSystem, ChunkCompression.Deflate), (storage.Kind, storage.Compression));

        // The journal goes on: the dead copy finishes as the runner would record it, and a new entry is added.
        await inventory.WriteAsync(tx => tx.UpdateOperationAsync(operations["op4"] with { State = OperationState.Recovered }, None));
        Assert.Equal(OperationState.Recovered, (await inventory.GetOperationAsync("op4", None))!.State);
        Assert.Single(await inventory.ListOperationsAsync([OperationState.Running, OperationState.Recovered], "lab", "db01", None));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={folder.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
