using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Naming;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// The listing's fast path (raw statements, values shared between rows, rows kept in chunks) returns exactly what
/// was stored, over more rows than one chunk holds and with every kind of value a row can carry.
/// </summary>
public abstract class SnapshotListingContract : IDisposable
{
    private readonly InventoryStore _folder;

    private protected SnapshotListingContract(InventoryStore store) => _folder = store;

    /// <summary>A NUL character where the store keeps one (SQLite); PostgreSQL's text cannot, and refuses it (its own test).</summary>
    private protected virtual string Nul => "NUL\0";

    public void Dispose() => _folder.Dispose();

    [ContractFact]
    public async Task A_long_listing_of_two_volumes_returns_every_row_as_stored_in_order()
    {
        var lab = Volume("lab", "db01");
        var prod = Volume("prod", "web");
        var t0 = Utc(2026, 1, 1);
        var stored = new List<Snapshot>();
        string? parent = null;
        for (var i = 0; i < 4700; i++)
        {
            // Two volumes interleaved (the shared volume columns must follow the switches), a parent chain that
            // is mostly the row before, values that repeat and values that do not, NULLs next to empty strings.
            var volume = i % 7 == 3 ? prod : lab;
            var snapshot = Snapshot(volume, $"s{i:D5}", t0.AddSeconds(i), clientToken: i == 1 ? "" : i % 5 == 0 ? null : $"token-{i}") with
            {
                ParentId = i % 11 == 0 ? null : i % 13 == 0 ? Ids.New() : parent,
                Description = i % 3 == 0 ? null : i % 3 == 1 ? "nightly — 夜間" : $"with a {Nul}inside {i}",
                Tags = i % 2 == 0 ? Dict(("app", "db")) : Dict(("app", "db"), ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                ExpiresUtc = i % 4 == 0 ? null : t0.AddDays(i),
                State = i % 9 == 0 ? SnapshotState.Error : SnapshotState.Ready,
                ErrorMessage = i % 9 == 0 ? $"failed {i % 2}" : null,
                DriverReference = i % 17 == 0 ? null : $"{volume.Name}@s{i:D5}",
                Location = i % 19 == 0 ? "" : $"/srv/{volume.Backend}/.snapshots/{volume.Name}@s{i:D5}",
            };
            stored.Add(snapshot);
            parent = snapshot.Id;
        }
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(Backend("lab"), None);
                await tx.InsertBackendAsync(Backend("prod"), None);
                await tx.InsertVolumeAsync(lab, None);
                await tx.InsertVolumeAsync(prod, None);
                foreach (var snapshot in stored) await tx.InsertSnapshotAsync(snapshot, None);
            });
        }

        await using var reopened = await _folder.OpenAsync();
        var listed = await reopened.ListSnapshotsAsync(new SnapshotQuery(), None);

        Assert.Equal(stored.Count, listed.Count);
        Assert.Equal(stored.Count, listed.Count());
        Assert.Equal(stored.Select(s => s.Id), listed.Select(s => s.Id));
        for (var i = 0; i < stored.Count; i++)
        {
            var expected = stored[i];
            var actual = listed[i];
            Assert.Equal(expected.Tags.OrderBy(t => t.Key), actual.Tags.OrderBy(t => t.Key));
            Assert.Equal(expected.Details.OrderBy(t => t.Key), actual.Details.OrderBy(t => t.Key));
            Assert.Equal(expected with { Tags = actual.Tags, Details = actual.Details }, actual);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => listed[stored.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => listed[-1]);

        // One volume's rows share their volume's strings and a parent that is the row before.
        var labRows = await reopened.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = [lab.Id] }, None);
        Assert.Equal(stored.Count(s => s.VolumeId == lab.Id), labRows.Count);
        Assert.Same(labRows[0].Volume, labRows[^1].Volume);
        Assert.Equal("db01", labRows[^1].Volume);
    }

    [ContractFact]
    public async Task Rows_of_every_shape_read_back_as_stored_by_listings_and_by_single_reads()
    {
        // Text columns are handed over as UTF-8 bytes (copied into a per-row buffer on PostgreSQL, which grows when a
        // row outgrows it) and shared or decoded later: every shape must come back as it went in — NULL apart from
        // empty, multi-byte and 4-byte UTF-8, values longer than the buffer next to short ones, the volume switching
        // on every row, every state.
        var lab = Volume("lab", "db01");
        var other = Volume("prod-夜", "データ-🙂");
        var t0 = Utc(2026, 2, 1);
        var long1 = string.Concat(Enumerable.Repeat("ж夜🙂", 700)); // 6,300 bytes of UTF-8
        var long2 = new string('x', 3000);
        var states = Enum.GetValues<SnapshotState>();
        var stored = new List<Snapshot>();
        for (var i = 0; i < 40; i++)
        {
            var volume = i % 2 == 0 ? lab : other;
            var shape = i % 5;
            var snapshot = Snapshot(volume, shape == 2 ? $"夜間-🙂-{i}" : $"s{i:D2}", t0.AddMinutes(i), clientToken: $"token-{i}") with
            {
                State = states[i % states.Length],
                ParentId = i % 3 == 0 ? null : stored.Count > 1 ? stored[^(1 + i % 2)].Id : Ids.New(),
            };
            snapshot = shape switch
            {
                // Every nullable column NULL, no tags, no details.
                0 => snapshot with
                {
                    Description = null,
                    ClientToken = null,
                    ParentId = null,
                    DriverReference = null,
                    Location = null,
                    ErrorMessage = null,
                    ExpiresUtc = null,
                    Tags = Dict(),
                    Details = Dict(),
                },
                // Every nullable text column empty: not NULL (client tokens are unique per volume: one empty one).
                1 => snapshot with { Description = "", ClientToken = i == 1 ? "" : snapshot.ClientToken, DriverReference = "", Location = "", ErrorMessage = "" },
                // Multi-byte text in every text column.
                2 => snapshot with
                {
                    Description = "ночной — 夜間 🙂",
                    ClientToken = $"tök-🙂-{i}",
                    DriverReference = "データ@夜間-🙂",
                    Location = "/srv/夜/データ@🙂",
                    ErrorMessage = "échec: ✗ 🙂",
                    Tags = Dict(("ключ", "значение 🙂"), ("app", "db")),
                    Details = Dict(("método", "reflink ✓")),
                },
                // Values longer than the first row buffer (1 KiB), several in one row.
                3 => snapshot with
                {
                    Description = long1,
                    DriverReference = long2,
                    Location = "/srv/" + long1,
                    ErrorMessage = long2 + "✗",
                    Tags = Dict(("big", long1)),
                    Details = Dict(("big", long2)),
                },
                _ => snapshot,
            };
            stored.Add(snapshot);
        }
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(Backend("lab"), None);
                await tx.InsertBackendAsync(Backend("prod-夜"), None);
                await tx.InsertVolumeAsync(lab, None);
                await tx.InsertVolumeAsync(other, None);
                foreach (var snapshot in stored) await tx.InsertSnapshotAsync(snapshot, None);
            });
        }

        await using var reopened = await _folder.OpenAsync();
        var listed = await reopened.ListSnapshotsAsync(new SnapshotQuery(), None);
        var labRows = await reopened.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = [lab.Id] }, None);
        var otherRows = await reopened.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = [other.Id] }, None);

        // The first listing's values are read only now, after two more listings: their bytes were not overwritten.
        AssertSameRows(stored, listed);
        AssertSameRows(stored.Where(s => s.VolumeId == lab.Id).ToList(), labRows);
        AssertSameRows(stored.Where(s => s.VolumeId == other.Id).ToList(), otherRows);
        foreach (var expected in stored)
        {
            AssertSameSnapshot(expected, await reopened.GetSnapshotAsync(expected.Id, None));
            AssertSameSnapshot(expected, await reopened.FindSnapshotByNameAsync(expected.VolumeId, expected.Name, None));
            if (expected.ClientToken is { } token) AssertSameSnapshot(expected, await reopened.FindSnapshotByClientTokenAsync(expected.VolumeId, token, None));
        }
    }

    private static void AssertSameRows(IReadOnlyList<Snapshot> expected, IReadOnlyList<Snapshot> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) AssertSameSnapshot(expected[i], actual[i]);
    }

    private static void AssertSameSnapshot(Snapshot expected, Snapshot? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Tags.OrderBy(t => t.Key), actual.Tags.OrderBy(t => t.Key));
        Assert.Equal(expected.Details.OrderBy(t => t.Key), actual.Details.OrderBy(t => t.Key));
        // Strings compared one by one first: a failure then names the column, not only the record.
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Volume, actual.Volume);
        Assert.Equal(expected.Backend, actual.Backend);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.ClientToken, actual.ClientToken);
        Assert.Equal(expected.ParentId, actual.ParentId);
        Assert.Equal(expected.DriverReference, actual.DriverReference);
        Assert.Equal(expected.Location, actual.Location);
        Assert.Equal(expected.ErrorMessage, actual.ErrorMessage);
        Assert.Equal(expected with { Tags = actual.Tags, Details = actual.Details }, actual);
    }
}

/// <summary>The contract on an SQLite file.</summary>
public sealed class SnapshotListingTests() : SnapshotListingContract(new SqliteStore());

/// <summary>The contract on a PostgreSQL database.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class PostgresSnapshotListingTests() : SnapshotListingContract(new PostgresStore())
{
    private protected override string Nul => "NUL ";
}
