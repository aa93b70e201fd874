using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Postgres;
using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// The shared inventory at scale (issue 16): a fresh database on the PostgreSQL server named by
/// STORAGESNAPSHOT_TEST_POSTGRES (tests/infrastructure/postgres.sh), seeded with COPY (binary) — by default 1,000,000
/// snapshots on 10,000 volumes plus one volume of 10,000. For each hot query: the inventory's method and, interleaved,
/// the same SQL as a raw Npgsql command stepping the rows (the floor); median and p95 of both, and the ratio. Then
/// create-snapshot throughput through the engine (directory driver, files in /tmp): one host, then 4 "hosts" (engines
/// with their own homes) at once on 4 volumes; the issue asks ≥ 0.8 × 4 × the single-host rate (no global lock).
/// Options: --volumes N (10000) --per-volume N (100) --hot N (10000) --iterations N (200) --creates N (40);
/// --parallel leaves parallel query on (the server's default; see below why it is off);
/// --explain prints the server's plan and timing of each listing (EXPLAIN ANALYZE, BUFFERS) before and after the
/// measurements; --keep keeps the database for a look afterwards.
/// </summary>
internal static class PostgresInventoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var server = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            Console.Error.WriteLine("Set STORAGESNAPSHOT_TEST_POSTGRES: eval \"$(bash tests/infrastructure/postgres.sh env)\"");
            return 64;
        }
        var volumes = Option(args, "--volumes", 10_000);
        var perVolume = Option(args, "--per-volume", 100);
        var hot = Option(args, "--hot", 10_000);
        var iterations = Option(args, "--iterations", 200);
        var creates = Option(args, "--creates", 40);
        var keep = args.Contains("--keep");
        var explain = args.Contains("--explain");
        var parallel = args.Contains("--parallel");
        var ct = CancellationToken.None;
        var database = $"ss_bench_{Guid.NewGuid():N}"[..24];
        await ExecuteAsync(server, $"CREATE DATABASE {database}");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        try
        {
            await (await PostgresInventory.OpenAsync(connectionString, ct)).DisposeAsync();
            var clock = Stopwatch.StartNew();
            var seed = await SeedAsync(connectionString, volumes, perVolume, hot);
            Console.WriteLine($"Seeded {volumes * perVolume + hot:N0} snapshots on {volumes + 1:N0} volumes with COPY in {clock.Elapsed.TotalSeconds:0.0} s (then VACUUM ANALYZE).");
            if (!parallel)
            {
                // ANALYZE samples 30,000 rows at random: its estimate of the hot volume's rows lands either side of
                // ~9,800, and above it the planner runs the listing in parallel (Gather Merge, 2 workers: on 2 busy
                // cores 50-80 ms instead of 28 ms) — the floor then moved between runs. Serial plans for everyone
                // (ours and floor alike) make runs compare; --parallel keeps the server's default.
                await ExecuteAsync(connectionString, $"ALTER DATABASE {database} SET max_parallel_workers_per_gather = 0");
                Console.WriteLine("Parallel query off in the benchmark database (max_parallel_workers_per_gather = 0; --parallel keeps the default).");
            }
            await using (var version = new NpgsqlConnection(connectionString))
            {
                await version.OpenAsync(ct);
                Console.WriteLine($"PostgreSQL {version.PostgreSqlVersion}, {Environment.ProcessorCount} cores, load average {LoadAverage()}; {iterations} iterations, ours and floor interleaved.");
            }
            Console.WriteLine();

            await using var inventory = await PostgresInventory.OpenAsync(connectionString, ct);
            await using var raw = new NpgsqlConnection(connectionString);
            await raw.OpenAsync(ct);
            var random = new Random(42);
            var listSql = PostgresInventoryReader.SnapshotList(new SnapshotQuery { VolumeIds = ["x"] }).Sql;
            if (explain) await ExplainAsync(raw, listSql, seed, "before the measurements");
            Console.WriteLine("| scenario | rows | ours med ms | ours p95 ms | floor med ms | floor p95 ms | ratio (med) | ratio (p95) | target |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
            await MeasureAsync($"list one volume ({perVolume:N0})", perVolume, iterations,
                () => seed.VolumeIds[random.Next(seed.VolumeIds.Count)],
                async id => (await inventory.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = [id] }, ct)).Count,
                id => StepAsync(raw, listSql, ("volume", id)));
            await MeasureAsync($"list one volume ({hot:N0})", hot, Math.Max(20, iterations / 5),
                () => seed.HotVolumeId,
                async id => (await inventory.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = [id] }, ct)).Count,
                id => StepAsync(raw, listSql, ("volume", id)));
            await MeasureAsync("get snapshot by id", 1, iterations * 5,
                () => seed.SnapshotIds[random.Next(seed.SnapshotIds.Count)],
                async id => await inventory.GetSnapshotAsync(id, ct) is null ? 0 : 1,
                id => StepAsync(raw, PostgresInventoryReader.SnapshotById, ("id", id)));
            await MeasureAsync("find snapshot by client token", 1, iterations * 5,
                () => seed.VolumeIds[random.Next(seed.VolumeIds.Count)],
                async id => await inventory.FindSnapshotByClientTokenAsync(id, "token-7", ct) is null ? 0 : 1,
                id => StepAsync(raw, PostgresInventoryReader.SnapshotByClientToken, ("volume", id), ("token", "token-7")));
            Console.WriteLine();
            Console.WriteLine("floor = the same SQL as a raw Npgsql command on one open connection, stepping rows without mapping them; ours opens a pooled");
            Console.WriteLine("connection per read and maps every column. Target: ours ≤ 2x the floor (p95).");
            Console.WriteLine();

            if (explain) await ExplainAsync(raw, listSql, seed, "after the measurements");
            await CreateThroughputAsync(connectionString, creates, ct);
            Console.WriteLine($"Load average at the end: {LoadAverage()}.");
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (keep) Console.WriteLine($"Kept the database {database} (--keep): drop it with DROP DATABASE {database} WITH (FORCE).");
            else await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private sealed record Seed(List<string> VolumeIds, string HotVolumeId, List<string> SnapshotIds);

    /// <summary>COPY in binary: volumes, then snapshots; ids as the engine makes them (time-ordered).</summary>
    private static async Task<Seed> SeedAsync(string connectionString, int volumes, int perVolume, int hot)
    {
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var seed = new Seed([], "", []);
        // Ids from a fixed seed: every run stores the same rows in the same order, so runs compare.
        var random = new Random(16);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var backend = new NpgsqlCommand("INSERT INTO backends (name, driver, registered) VALUES ('bench', 'directory', now())", connection))
            await backend.ExecuteNonQueryAsync();
        var all = Enumerable.Range(0, volumes).Select(v => (Id: Ids.New(start, random), Name: $"vol{v:D5}", Count: perVolume)).ToList();
        var hotVolume = (Id: Ids.New(start, random), Name: "hot", Count: hot);
        all.Add(hotVolume);
        await using (var writer = await connection.BeginBinaryImportAsync("COPY volumes (id, backend, name, size, state, location, created) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var v in all)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(v.Id, NpgsqlDbType.Text);
                await writer.WriteAsync("bench", NpgsqlDbType.Text);
                await writer.WriteAsync(v.Name, NpgsqlDbType.Text);
                await writer.WriteAsync(10L << 30, NpgsqlDbType.Bigint);
                await writer.WriteAsync("Available", NpgsqlDbType.Text);
                await writer.WriteAsync($"/srv/bench/{v.Name}.img", NpgsqlDbType.Text);
                await writer.WriteAsync(start, NpgsqlDbType.TimestampTz);
            }
            await writer.CompleteAsync();
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY snapshots (id, volume_id, name, created, size, state, description, tags, expires, client_token, parent_id, driver_ref, location, details) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var v in all)
            {
                var tags = $"{{\"app\":\"{v.Name}\",\"tier\":\"gold\",\"schedule\":\"nightly\"}}";
                string? parent = null;
                for (var i = 0; i < v.Count; i++)
                {
                    var created = start.AddMinutes(i);
                    var id = Ids.New(created, random);
                    await writer.StartRowAsync();
                    await writer.WriteAsync(id, NpgsqlDbType.Text);
                    await writer.WriteAsync(v.Id, NpgsqlDbType.Text);
                    await writer.WriteAsync($"snap-{i:D5}", NpgsqlDbType.Text);
                    await writer.WriteAsync(created, NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(10L << 30, NpgsqlDbType.Bigint);
                    await writer.WriteAsync("Ready", NpgsqlDbType.Text);
                    await writer.WriteAsync("nightly", NpgsqlDbType.Text);
                    await writer.WriteAsync(tags, NpgsqlDbType.Text);
                    await writer.WriteAsync(created.AddDays(30), NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync($"token-{i}", NpgsqlDbType.Text);
                    if (parent is null) await writer.WriteNullAsync(); else await writer.WriteAsync(parent, NpgsqlDbType.Text);
                    await writer.WriteAsync($"{v.Name}@snap-{i:D5}", NpgsqlDbType.Text);
                    await writer.WriteAsync($"/srv/bench/.snapshots/{v.Name}@snap-{i:D5}", NpgsqlDbType.Text);
                    await writer.WriteAsync("{\"copyMethod\":\"reflink\"}", NpgsqlDbType.Text);
                    if (seed.SnapshotIds.Count < 200_000 && i % 5 == 0) seed.SnapshotIds.Add(id);
                    parent = id;
                }
                if (v.Name != "hot") seed.VolumeIds.Add(v.Id);
            }
            await writer.CompleteAsync();
        }
        // VACUUM too: the first read of a page COPY wrote sets its hint bits (and dirties it), which would otherwise fall
        // on whichever measurement reads it first; autovacuum would have done it on a live inventory.
        await using (var analyze = new NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 600 }) await analyze.ExecuteNonQueryAsync();
        return seed with { HotVolumeId = hotVolume.Id };
    }

    /// <summary>The server's plan, time and buffer use of the two listings, run once each (why a floor moves between runs).</summary>
    private static async Task ExplainAsync(NpgsqlConnection connection, string listSql, Seed seed, string when)
    {
        foreach (var (what, volume) in new[] { ("a 100-row volume", seed.VolumeIds[0]), ("the hot volume", seed.HotVolumeId) })
        {
            await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + listSql, connection);
            command.Parameters.AddWithValue("volume", NpgsqlDbType.Text, volume);
            Console.WriteLine($"Plan of listing {what}, {when}:");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) Console.WriteLine("    " + reader.GetString(0));
        }
        Console.WriteLine();
    }

    private static async Task<int> StepAsync(NpgsqlConnection connection, string sql, params (string Name, string Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, NpgsqlDbType.Text, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync()) rows++;
        return rows;
    }

    private static async Task MeasureAsync(string scenario, int rows, int iterations, Func<string> argument, Func<string, Task<int>> ours, Func<string, Task<int>> floor)
    {
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < TimeSpan.FromSeconds(1))
        {
            var value = argument();
            Check(scenario, rows, await ours(value));
            Check(scenario, rows, await floor(value));
        }
        var oursMs = new double[iterations];
        var floorMs = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var value = argument();
            for (var turn = 0; turn < 2; turn++)
            {
                var oursNow = (turn == 0) == (i % 2 == 0);
                var started = Stopwatch.GetTimestamp();
                Check(scenario, rows, oursNow ? await ours(value) : await floor(value));
                (oursNow ? oursMs : floorMs)[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }
        var (om, op) = Summarise(oursMs);
        var (fm, fp) = Summarise(floorMs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {scenario} | {rows:N0} | {om:0.000} | {op:0.000} | {fm:0.000} | {fp:0.000} | {om / fm:0.00}x | {op / fp:0.00}x | ≤ 2x: {(op / fp <= 2 ? "met" : "NOT MET")} |"));
    }

    /// <summary>New-StorageSnapshot through the engine: one host, then four hosts at once, each on its own volume.</summary>
    private static async Task CreateThroughputAsync(string connectionString, int creates, CancellationToken ct)
    {
        var root = Path.Combine(Path.GetTempPath(), $"storagesnapshot-bench-pg-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "backend"));
            EngineOptions Host(int n) => new()
            {
                HomeDirectory = Path.Combine(root, $"host{n}"),
                Drivers = new DriverRegistry().Add(new DirectoryDriver()),
                InventoryConnectionString = connectionString,
                LockTimeout = TimeSpan.FromSeconds(60),
            };
            await using (var setup = await StorageSnapshotEngine.OpenAsync(Host(0), ct))
            {
                await setup.RegisterBackendAsync(new RegisterBackendRequest("local", DirectoryDriver.DriverName,
                    new Dictionary<string, object?> { ["Path"] = Path.Combine(root, "backend") }), OperationContext.Unattended());
                for (var n = 0; n < 5; n++) await setup.NewVolumeAsync(new NewVolumeRequest("local", $"t{n}", 1 << 20), OperationContext.Unattended());
            }

            async Task<double> RunHostAsync(int n, string volume, int count)
            {
                await using var engine = await StorageSnapshotEngine.OpenAsync(Host(n), ct);
                for (var i = 0; i < 3; i++) // warm-up
                    await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "local", Name: volume)) { Name = $"warm-{n}-{i}" }, OperationContext.Unattended());
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < count; i++)
                    await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "local", Name: volume)) { Name = $"s-{n}-{i}" }, OperationContext.Unattended());
                return count / clock.Elapsed.TotalSeconds;
            }

            var (ourCpu, serverCpu) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpu());
            var single = await RunHostAsync(0, "t0", creates);
            var singleCpu = CpuPerCreate(ourCpu, serverCpu, creates + 3);
            (ourCpu, serverCpu) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpu());
            var rates = await Task.WhenAll(Enumerable.Range(1, 4).Select(n => Task.Run(() => RunHostAsync(n, $"t{n}", creates))));
            var fourCpu = CpuPerCreate(ourCpu, serverCpu, 4 * (creates + 3));
            var combined = rates.Sum();
            Console.WriteLine("| create-snapshot throughput | snapshots/s |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one host | {single:0.0} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| four hosts at once (sum) | {combined:0.0} ({string.Join(", ", rates.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))}) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| four ÷ (4 × one) | {combined / (4 * single):0.00} (target ≥ 0.80: {(combined >= 0.8 * 4 * single ? "met" : "NOT MET")}; {Environment.ProcessorCount} cores run all four hosts and the server) |"));
            Console.WriteLine();
            Console.WriteLine("| CPU per create (ms) | engine process | server (local postgres processes) |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one host | {singleCpu.Ours:0.0} | {Server(singleCpu.Server)} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| four hosts | {fourCpu.Ours:0.0} | {Server(fourCpu.Server)} |"));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private static string Server(double? ms) => ms is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : "n/a (not a local server)";

    private static (double Ours, double? Server) CpuPerCreate(TimeSpan oursBefore, TimeSpan? serverBefore, int creates)
    {
        var ours = (Process.GetCurrentProcess().TotalProcessorTime - oursBefore).TotalMilliseconds / creates;
        var server = ServerCpu() is { } after && serverBefore is { } before ? (after - before).TotalMilliseconds / creates : (double?)null;
        return (ours, server);
    }

    /// <summary>
    /// The CPU time of the local PostgreSQL server: every live "postgres" process's user+system time, plus the
    /// postmaster's reaped children (backends that ended — a session per lock — are counted in its cutime/cstime).
    /// Null when no postgres process runs here (a remote server).
    /// </summary>
    private static TimeSpan? ServerCpu()
    {
        if (!Directory.Exists("/proc")) return null;
        long ticks = 0;
        var found = false;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                if (stat[(stat.IndexOf('(') + 1)..close] != "postgres") continue;
                // Fields after the command: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
                var fields = stat[(close + 2)..].Split(' ');
                var parentIsPostgres = File.Exists($"/proc/{fields[1]}/comm") && File.ReadAllText($"/proc/{fields[1]}/comm").Trim() == "postgres";
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                if (!parentIsPostgres) ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                found = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }
        return found ? TimeSpan.FromSeconds(ticks / 100.0) : null; // USER_HZ is 100 on Linux
    }

    private static void Check(string scenario, int expected, int actual)
    {
        if (expected != actual) throw new InvalidOperationException($"{scenario}: {actual} rows, expected {expected}.");
    }

    private static (double Median, double P95) Summarise(double[] samples)
    {
        Array.Sort(samples);
        double Percentile(double p) => samples[Math.Clamp((int)Math.Ceiling(p * samples.Length) - 1, 0, samples.Length - 1)];
        return (Percentile(0.5), Percentile(0.95));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }
}
