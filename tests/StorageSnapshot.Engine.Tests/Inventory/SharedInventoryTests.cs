using Npgsql;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Postgres;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// The shared inventory as several hosts use it: "hosts" are engines (in this process or a TestHost child) with
/// different STORAGESNAPSHOT_HOME folders — so their lock files never meet — sharing one PostgreSQL database. Only
/// the database's advisory locks can serialise them, and only the database's sessions can tell a dead holder.
/// </summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class SharedInventoryTests : IAsyncLifetime
{
    private readonly PostgresStore _store = new();
    private EngineTestBed _bed = null!;

    public async Task InitializeAsync()
    {
        if (!PostgresTestServer.IsAvailable) return; // skipped (or failed by the test itself under required)
        _bed = await EngineTestBed.CreateAsync(inventoryConnectionString: _store.ConnectionString);
        await _bed.NewVolumeAsync("db01");
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null) await _bed.DisposeAsync();
        _store.Dispose();
    }

    private string OtherHome => Path.Combine(_bed.Root, "host2");

    private TestHostProcess StartOtherHost(string scenario, string hold) =>
        TestHostProcess.Start(new Dictionary<string, string> { [EngineOptions.InventoryVariable] = _store.ConnectionString },
            "orchestration", scenario, OtherHome, EngineTestBed.Backend, "db01", hold);

    [ContractFact]
    public async Task A_second_host_waits_then_gets_VolumeBusy_naming_the_holders_operation_and_host()
    {
        await using var holder = StartOtherHost("hold-lock", "until-go");
        await holder.WaitForLineAsync("READY");

        // Opening here (another home: its own lock files) must not take the live holder's entry for a dead one.
        var engine = await _bed.ReopenAsync(lockTimeout: TimeSpan.FromMilliseconds(400));
        var running = Assert.Single(await engine.GetOperationsAsync(new[] { OperationState.Running }, new RecordingContext()));
        Assert.Contains($"{Environment.MachineName}/{holder.Id}/", running.Owner, StringComparison.Ordinal);

        var before = await _bed.CaptureAsync();
        var busy = await Assert.ThrowsAsync<VolumeBusyException>(() => engine.NewSnapshotAsync(
            new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "racer" }, new RecordingContext()));
        Assert.Equal(running.Id, busy.HolderOperationId);
        Assert.Contains(running.Id, busy.Message, StringComparison.Ordinal);
        Assert.Contains($"by {running.Owner}", busy.Message, StringComparison.Ordinal); // the holder's host, pid and start
        Assert.Equal(before, await _bed.CaptureAsync());

        await holder.SayGoAsync();
        Assert.Equal(0, await holder.WaitForExitAsync());
        Assert.Equal(OperationState.Succeeded, (await engine.Inventory.GetOperationAsync(running.Id, CancellationToken.None))!.State);
    }

    [ContractFact]
    public async Task A_host_killed_mid_operation_leaves_NeedsRecovery_for_the_other_host_whose_repair_finishes_it()
    {
        await using (var holder = StartOtherHost("hold-lock", "600000"))
        {
            await holder.WaitForLineAsync("READY");
            await holder.KillAsync(); // SIGKILL: its database sessions close with its sockets, its advisory lock with them
        }

        var engine = await _bed.ReopenAsync();
        var operation = Assert.Single(await engine.GetOperationsAsync(new[] { OperationState.NeedsRecovery }, new RecordingContext()));
        Assert.Equal(OperationKind.CreateSnapshot, operation.Kind);
        Assert.Contains("ended while the operation was running", operation.Error, StringComparison.Ordinal);

        var recovered = await engine.RepairOperationAsync(operation.Id, OperationContext.Unattended());
        Assert.Equal(OperationState.Recovered, recovered!.State);
        Assert.Null(await engine.Inventory.GetSnapshotAsync(operation.TargetId!, CancellationToken.None));
        Assert.Equal(SnapshotState.Ready, (await _bed.NewSnapshotAsync("db01", "next")).State); // the volume is free again
    }

    [ContractFact]
    public async Task Two_hosts_creating_with_one_client_token_make_one_snapshot()
    {
        var second = await StorageSnapshotEngine.OpenAsync(_bed.Options(TimeSpan.FromSeconds(60)) with { HomeDirectory = OtherHome }, CancellationToken.None);
        await using (second)
        {
            var first = await _bed.ReopenAsync(TimeSpan.FromSeconds(60));
            var request = new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "once", ClientToken = "nightly-2026-12-04" };
            var made = await Task.WhenAll(
                Task.Run(() => first.NewSnapshotAsync(request, new RecordingContext())),
                Task.Run(() => second.NewSnapshotAsync(request, new RecordingContext())));
            Assert.Equal(made[0]!.Id, made[1]!.Id);
            Assert.Single(await first.Inventory.ListSnapshotsAsync(new SnapshotQuery(), CancellationToken.None));
        }
    }

    [ContractFact]
    public async Task Concurrent_snapshots_from_two_hosts_on_one_volume_lose_no_update()
    {
        var second = await StorageSnapshotEngine.OpenAsync(_bed.Options(TimeSpan.FromSeconds(60)) with { HomeDirectory = OtherHome }, CancellationToken.None);
        await using (second)
        {
            var first = await _bed.ReopenAsync(TimeSpan.FromSeconds(60));
            async Task Make(StorageSnapshotEngine engine, string prefix)
            {
                for (var i = 0; i < 6; i++)
                    await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = $"{prefix}{i}" }, new RecordingContext());
            }
            await Task.WhenAll(Task.Run(() => Make(first, "a")), Task.Run(() => Make(second, "b")));

            // Serialised per volume: every snapshot is there, and they form one chain (each the parent of the next).
            var snapshots = await first.Inventory.ListSnapshotsAsync(new SnapshotQuery(), CancellationToken.None);
            Assert.Equal(12, snapshots.Count);
            Assert.Single(snapshots, s => s.ParentId is null);
            Assert.Equal(11, snapshots.Select(s => s.ParentId).OfType<string>().Distinct().Count());
            var volume = (await first.Inventory.GetVolumeAsync(snapshots[0].VolumeId, CancellationToken.None))!;
            Assert.DoesNotContain(snapshots, s => s.ParentId == volume.HeadSnapshotId);
        }
    }
}

/// <summary>The PostgreSQL inventory's own guarantees: migrations, advisory locks, isolation, failures.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class PostgresInventoryTests : IDisposable
{
    private readonly PostgresStore _store = new();

    public void Dispose() => _store.Dispose();

    [ContractFact]
    public async Task Hosts_opening_a_new_database_at_once_migrate_it_once()
    {
        var inventories = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresInventory.OpenAsync(_store.ConnectionString, None))));
        foreach (var inventory in inventories)
        {
            Assert.Equal(PostgresSchema.All[^1].Version, inventory.SchemaVersion);
            await inventory.DisposeAsync();
        }
        // Each step recorded once; the newest is the same logical version as SQLite's newest migration.
        Assert.Equal((long)PostgresSchema.All.Count, await ScalarAsync("SELECT count(*) FROM schema_version"));
        Assert.Equal(StorageSnapshot.Engine.Inventory.Sqlite.Migrations.SqliteMigrations.All[^1].Version, PostgresSchema.All[^1].Version);
    }

    [ContractFact]
    public async Task A_database_of_a_newer_schema_is_refused_with_a_clear_error()
    {
        await (await PostgresInventory.OpenAsync(_store.ConnectionString, None)).DisposeAsync();
        await ScalarAsync("INSERT INTO schema_version (version, name) VALUES (99, 'from the future')");
        var error = await Assert.ThrowsAsync<InventoryUnavailableException>(() => PostgresInventory.OpenAsync(_store.ConnectionString, None));
        Assert.Contains($"schema version 99, newer than the {PostgresSchema.All[^1].Version}", error.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task A_database_of_another_application_is_refused()
    {
        await ScalarAsync("CREATE TABLE customers (id int)");
        var error = await Assert.ThrowsAsync<InventoryUnavailableException>(() => PostgresInventory.OpenAsync(_store.ConnectionString, None));
        Assert.Contains("not a StorageSnapshot inventory", error.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task An_unreachable_server_is_a_clear_error_without_the_password()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(_store.ConnectionString) { Port = 1, Timeout = 3 }.ConnectionString;
        var error = await Assert.ThrowsAsync<InventoryUnavailableException>(() => PostgresInventory.OpenAsync(unreachable, None));
        Assert.Contains("postgresql://storagesnapshot@127.0.0.1:1/", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(_store.ConnectionString).Password!, error.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task An_advisory_lock_is_exclusive_across_sessions_names_its_holder_and_dies_with_its_session()
    {
        await using var inventory = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        // Another host's session (its own application name) holds lab/db01.
        await using var otherHost = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_store.ConnectionString) { Pooling = false, ApplicationName = "StorageSnapshot db9/4242" }.ConnectionString);
        await otherHost.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({PostgresKeys.OfOperationLock("lab/db01")})", otherHost))
            Assert.True((bool)(await take.ExecuteScalarAsync())!);

        Assert.Null(await inventory.Locks.TryAcquireAsync("LAB/DB01", None)); // keys are case-insensitive, as names are
        Assert.Null(await inventory.Locks.AcquireAsync("lab/db01", TimeSpan.FromMilliseconds(200), None));
        await using (var other = await inventory.Locks.TryAcquireAsync("lab/db02", None)) Assert.NotNull(other);
        Assert.StartsWith("db9/4242, connected from 127.0.0.1", await inventory.Locks.DescribeHolderAsync("lab/db01", None));

        // The holder's session ends (its host died, the server restarted it): the lock is free at once.
        var acquiring = inventory.Locks.AcquireAsync("lab/db01", TimeSpan.FromSeconds(30), None);
        await Task.Delay(300);
        Assert.False(acquiring.IsCompleted); // it waits while the other session lives
        await ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'StorageSnapshot db9/4242'");
        await using var taken = await acquiring;
        Assert.NotNull(taken);
        Assert.StartsWith($"{Environment.MachineName}/{Environment.ProcessId}, connected from 127.0.0.1", await inventory.Locks.DescribeHolderAsync("lab/db01", None));
    }

    [ContractFact]
    public async Task One_session_holds_every_lock_of_the_process_and_no_lock_is_re_entrant_in_it()
    {
        await using var first = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        await using var second = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        var session = PostgresLockSession.For(PostgresConnection.ForLocks(PostgresConnection.Parse(_store.ConnectionString)), "test");
        var opened = session.SessionsOpened;

        for (var i = 0; i < 20; i++)
        {
            await using var held = await first.Locks.TryAcquireAsync($"lab/v{i}", None);
            Assert.NotNull(held);
            Assert.Null(await second.Locks.TryAcquireAsync($"LAB/V{i}", None)); // another engine of this process: refused, like a lock file
            Assert.Null(await first.Locks.TryAcquireAsync($"lab/v{i}", None)); // the same engine too: not re-entrant
        }
        await using (var again = await second.Locks.TryAcquireAsync("lab/v0", None)) Assert.NotNull(again); // released

        Assert.True(session.SessionsOpened - opened <= 1, $"{session.SessionsOpened - opened} sessions opened for 20 locks");
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() " +
                                           $"AND application_name = 'StorageSnapshot {Environment.MachineName}/{Environment.ProcessId}'"));
    }

    [ContractFact]
    public async Task A_lock_session_holding_nothing_is_closed_when_idle_and_one_holding_a_lock_never()
    {
        await using var inventory = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        var session = PostgresLockSession.For(PostgresConnection.ForLocks(PostgresConnection.Parse(_store.ConnectionString)), "test");
        var ours = $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'StorageSnapshot {Environment.MachineName}/{Environment.ProcessId}'";

        var held = await inventory.Locks.TryAcquireAsync("lab/db01", None);
        Assert.NotNull(held);
        Assert.False(await session.CloseIfIdleAsync(TimeSpan.Zero)); // a held lock keeps its session
        Assert.Equal(1L, await ScalarAsync(ours));
        Assert.False(await session.CloseIfIdleAsync(TimeSpan.FromMinutes(1))); // just used
        await held!.DisposeAsync();

        Assert.True(await session.CloseIfIdleAsync(TimeSpan.Zero));
        Assert.Equal(0L, await ScalarAsync(ours));
        var opened = session.SessionsOpened;
        await using (var again = await inventory.Locks.TryAcquireAsync("lab/db01", None)) Assert.NotNull(again); // a new session
        Assert.Equal(opened + 1, session.SessionsOpened);
    }

    [ContractFact]
    public async Task After_the_lock_session_ends_a_new_one_serves_and_a_release_from_the_old_one_frees_nothing()
    {
        await using var inventory = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        var old = await inventory.Locks.TryAcquireAsync("lab/db01", None);
        Assert.NotNull(old);

        // What a server restart does to the session: terminated, its locks released.
        await ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() " +
                          $"AND application_name = 'StorageSnapshot {Environment.MachineName}/{Environment.ProcessId}'");
        await using var other = await inventory.Locks.TryAcquireAsync("lab/db02", None); // the next use opens a new session
        Assert.NotNull(other);
        await using var retaken = await inventory.Locks.TryAcquireAsync("lab/db01", None); // the old session's lock died with it
        Assert.NotNull(retaken);

        await old!.DisposeAsync(); // the old holder lets go late: the new holder keeps its lock
        Assert.Null(await inventory.Locks.TryAcquireAsync("lab/db01", None));
        // pg_locks spans the server: only this database's locks count (other tests lock their own lab/db01 meanwhile).
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted " +
                                           "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
                                           $"AND objid::bigint = {(long)(uint)PostgresKeys.OfOperationLock("lab/db01")}"));
    }

    [ContractFact]
    public async Task A_transaction_cut_by_a_server_restart_is_a_clear_error_and_writes_nothing()
    {
        // A real restart, of a server of this test's own (the shared one serves the other tests meanwhile).
        await using var server = await PrivatePostgresServer.StartAsync();
        var database = await server.CreateDatabaseAsync();
        await using var inventory = await PostgresInventory.OpenAsync(database, None);
        var held = await inventory.Locks.TryAcquireAsync("lab/db01", None);
        Assert.NotNull(held);
        await using (var transaction = await inventory.BeginAsync(None))
        {
            await transaction.InsertBackendAsync(Backend("lab"), None);
            await transaction.InsertVolumeAsync(Volume("lab", "db01"), None);

            await server.RestartAsync();

            var error = await Assert.ThrowsAsync<InventoryUnavailableException>(() => transaction.CommitAsync(None));
            Assert.Contains("unreachable or was restarted", error.Message, StringComparison.Ordinal);
            Assert.Contains("nothing of it was written", error.Message, StringComparison.Ordinal);
        }

        // Nothing of the transaction is there; locks work on a new session (the old one's died with it).
        NpgsqlConnection.ClearAllPools();
        await using var reopened = await PostgresInventory.OpenAsync(database, None);
        Assert.Empty(await reopened.ListBackendsAsync(None));
        Assert.Empty(await reopened.ListVolumesAsync(null, None));
        await using (var other = await reopened.Locks.TryAcquireAsync("lab/db02", None)) Assert.NotNull(other);
        await using var again = await reopened.Locks.TryAcquireAsync("lab/db01", None); // free for every host since the restart
        Assert.NotNull(again);
        await held!.DisposeAsync(); // the holder from before the restart lets go late: quiet, and it frees nothing
        Assert.Null(await inventory.Locks.TryAcquireAsync("lab/db01", None));
        await reopened.WriteAsync(tx => tx.InsertBackendAsync(Backend("lab"), None));
        Assert.Single(await reopened.ListBackendsAsync(None));
    }

    [ContractFact]
    public async Task A_text_with_a_NUL_character_is_refused_before_anything_is_written()
    {
        await using var inventory = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        await inventory.WriteAsync(tx => tx.InsertBackendAsync(Backend("lab"), None));
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            inventory.WriteAsync(tx => tx.UpdateBackendAsync(Backend("lab") with { MaintenanceReason = "bad\0reason" }, None)));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("NUL character", error.Message, StringComparison.Ordinal);
        Assert.Equal(Backend("lab").MaintenanceReason, (await inventory.GetBackendAsync("lab", None))!.MaintenanceReason);
    }

    [ContractFact]
    public async Task Events_are_numbered_in_commit_order()
    {
        await using var inventory = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        await using var other = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        var first = await inventory.BeginAsync(None);
        await first.AppendEventAsync(new StorageEvent { Kind = EventKind.BackendRegistered, TimeUtc = DateTime.UtcNow, Message = "first" }, None);

        // A second writer's append waits for the first transaction to end: it cannot take a number and commit
        // before a lower number becomes visible.
        var second = Task.Run(async () =>
        {
            await using var transaction = await other.BeginAsync(None);
            var sequence = await transaction.AppendEventAsync(new StorageEvent { Kind = EventKind.BackendUpdated, TimeUtc = DateTime.UtcNow, Message = "second" }, None);
            await transaction.CommitAsync(None);
            return sequence;
        });
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        await first.CommitAsync(None);
        await first.DisposeAsync();
        var secondSequence = await second;

        var events = await inventory.ListEventsAsync(0, 10, None);
        Assert.Equal(["first", "second"], events.Select(e => e.Message));
        Assert.Equal(secondSequence, events[^1].Sequence);
    }

    [ContractFact]
    public async Task A_serialisable_transaction_that_conflicts_is_rolled_back_and_succeeds_when_run_again()
    {
        await using var inventory = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        await using var other = await PostgresInventory.OpenAsync(_store.ConnectionString, None);
        using var bothRead = new Barrier(2);
        var attempts = 0;
        var failures = new List<Exception>();

        // Write skew: each reads the backends and adds one if there are none. Serially only one would add; under
        // SERIALIZABLE one of the two is refused, and run again it sees the other's backend.
        async Task<bool> AddIfNoneAsync(ISnapshotInventory store, string name) => await InventoryRetry.RunAsync(async () =>
        {
            var attempt = Interlocked.Increment(ref attempts);
            try
            {
                await using var transaction = await store.BeginSerializableAsync(None);
                var none = (await transaction.ListBackendsAsync(None)).Count == 0;
                if (attempt <= 2) bothRead.SignalAndWait(TimeSpan.FromSeconds(10));
                if (none) await transaction.InsertBackendAsync(Backend(name), None);
                await transaction.CommitAsync(None);
                return none;
            }
            catch (Exception e)
            {
                lock (failures) failures.Add(e);
                throw;
            }
        }, None);

        var added = await Task.WhenAll(Task.Run(() => AddIfNoneAsync(inventory, "a")), Task.Run(() => AddIfNoneAsync(other, "b")));
        Assert.Single(added, a => a);
        Assert.Single(await inventory.ListBackendsAsync(None));
        Assert.Contains(failures, InventoryRetry.IsRetryable);
        Assert.Equal(3, attempts);
    }

    [ContractFact]
    public async Task The_snapshot_select_returns_its_text_as_text_whose_wire_bytes_are_the_utf8_of_the_value()
    {
        // Listings copy text columns' raw bytes (PostgresSnapshotColumns): right for text (and citext), not for a type
        // whose binary form is not the value's UTF-8 (jsonb starts with a version byte). A schema step that changes such
        // a column's type must change the mapper too: this names the column.
        await (await PostgresInventory.OpenAsync(_store.ConnectionString, None)).DisposeAsync();
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(PostgresInventoryReader.SnapshotSelect + " LIMIT 0", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var others = new Dictionary<int, string> { [5] = "timestamp with time zone", [6] = "bigint", [10] = "timestamp with time zone" };
        for (var column = 0; column < reader.FieldCount; column++)
        {
            var expected = others.GetValueOrDefault(column, "text");
            Assert.True(expected == reader.GetDataTypeName(column), $"Column {column} ({reader.GetName(column)}) is {reader.GetDataTypeName(column)}, not {expected}.");
        }
        Assert.Equal(17, reader.FieldCount);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_store.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
