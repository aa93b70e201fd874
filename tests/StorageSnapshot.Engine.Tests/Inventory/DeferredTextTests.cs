using System.Text;
using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// A listing hands out names, client tokens, driver handles and locations as UTF-8 bytes decoded on first read.
/// Whoever holds a record must not be able to tell: equal values compare and hash equal however they were given,
/// a value decodes once, and bytes handed out are never overwritten by later values.
/// </summary>
public sealed class DeferredTextTests
{
    private static readonly DateTime Created = new(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_value_from_bytes_equals_and_hashes_as_the_same_value_from_a_string()
    {
        var buffer = new DeferredTextBuffer();
        var fromBytes = buffer.Add("/srv/lab/夜間@s1"u8);
        var fromString = DeferredText.Of("/srv/lab/夜間@s1");

        Assert.Equal(fromString, fromBytes);
        Assert.Equal(fromString.GetHashCode(), fromBytes.GetHashCode());
        Assert.Equal("/srv/lab/夜間@s1", fromBytes.Value);
        Assert.NotEqual(DeferredText.Of("/srv/lab/other"), fromBytes);
        Assert.NotEqual(default, fromBytes);
        Assert.Null(default(DeferredText).Value);
        // Two undecoded values compare by their bytes.
        Assert.Equal(buffer.Add("x@1"u8), buffer.Add("x@1"u8));
        Assert.NotEqual(buffer.Add("x@1"u8), buffer.Add("x@2"u8));
        Assert.NotEqual(buffer.Add(""u8), default);
    }

    [Fact]
    public void A_record_built_from_bytes_equals_the_record_built_from_strings_and_decodes_each_value_once()
    {
        var buffer = new DeferredTextBuffer();
        var listed = new Snapshot(buffer.Add(Encoding.UTF8.GetBytes(Id)), buffer.Add("nightly"u8), "vol-id", "db01", "lab")
        {
            CreatedUtc = Created,
            ClientTokenText = buffer.Add("token-1"u8),
            DriverReferenceText = buffer.Add("db01@nightly"u8),
            LocationText = buffer.Add("/srv/lab/.snapshots/db01@nightly"u8),
            ParentIdText = buffer.Add(Encoding.UTF8.GetBytes(ParentId)),
        };
        var given = new Snapshot
        {
            Id = Id, Name = "nightly", VolumeId = "vol-id", Volume = "db01", Backend = "lab", CreatedUtc = Created,
            ClientToken = "token-1", DriverReference = "db01@nightly", Location = "/srv/lab/.snapshots/db01@nightly",
            ParentId = ParentId,
        };

        Assert.Equal(given, listed);
        Assert.Equal(given.GetHashCode(), listed.GetHashCode());
        Assert.Same(listed.Location, listed.Location);
        Assert.Same(listed.Name, listed.Name);
        Assert.Same(listed.Id, listed.Id);
        Assert.Equal(given.ToString(), listed.ToString());
        // A copy with one value changed keeps the others, decoded or not.
        var renamed = listed with { Name = "weekly" };
        Assert.Equal("weekly", renamed.Name);
        Assert.Equal("db01@nightly", renamed.DriverReference);
        Assert.NotEqual(listed, renamed);
    }

    [Fact]
    public void Values_stay_their_own_after_the_buffer_moves_on_to_many_more()
    {
        var buffer = new DeferredTextBuffer();
        var values = Enumerable.Range(0, 20_000).Select(i => (Text: $"/srv/lab/.snapshots/db01@s{i:D5}", Value: buffer.Add(Encoding.UTF8.GetBytes($"/srv/lab/.snapshots/db01@s{i:D5}")))).ToList();
        var large = new string('x', 100_000);
        var largeValue = buffer.Add(Encoding.UTF8.GetBytes(large));

        foreach (var (text, value) in values) Assert.Equal(text, value.Value);
        Assert.Equal(large, largeValue.Value);
    }

    [Fact]
    public void Threads_reading_one_value_at_once_all_read_it()
    {
        for (var round = 0; round < 200; round++)
        {
            var listed = new Snapshot(DeferredText.Of(Id), new DeferredTextBuffer().Add("nightly"u8), "vol-id", "db01", "lab");
            var names = new string[4];
            Parallel.For(0, names.Length, i => names[i] = listed.Name);
            Assert.All(names, name => Assert.Equal("nightly", name));
        }
    }

    private const string Id = "01M8ZPZP5STFCBF8809Z8GGFZD";
    private const string ParentId = "01M8ZPZP5STFCBF8809Z8GGFZC";
}
