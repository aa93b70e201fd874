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
}

/// <summary>The contract on an SQLite file.</summary>
public sealed class SnapshotListingTests() : SnapshotListingContract(new SqliteStore());

/// <summary>The contract on a PostgreSQL database.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class PostgresSnapshotListingTests() : SnapshotListingContract(new PostgresStore())
{
    private protected override string Nul => "NUL ";
}
