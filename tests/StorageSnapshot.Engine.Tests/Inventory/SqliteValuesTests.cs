using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>The shared column conversions: JSON dictionaries (fast and full paths), times, enums.</summary>
public sealed class SqliteValuesTests
{
    public static TheoryData<string, string> Pairs => new()
    {
        { "app", "db" },
        { "Ünïcode ключ", "värde ✓ 夜間 🛠" },
        { "quote\"d", "back\\slash" },
        { "lines", "one\ntwo\r\n\tthree" },
        { "empty", "" },
        { "date-like", "2026-11-22T03:00:00Z" },
        { "braces", "{\"not\":\"nested\"}, [1,2]" },
        { "control", "\u0000\u001f" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void DictionariesRoundTripExactly(string key, string value)
    {
        var original = new Dictionary<string, string> { [key] = value, ["second"] = "2" };
        var read = SqliteValues.FromJson(SqliteValues.ToJson(original), "test");
        Assert.Equal(original.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
        Assert.True(read.ContainsKey(key.ToUpperInvariant()));
    }

    [Fact]
    public void EmptyAndNullDictionariesAreStoredAsAnEmptyObject()
    {
        Assert.Equal("{}", SqliteValues.ToJson(new Dictionary<string, string>()));
        Assert.Equal("{}", SqliteValues.ToJson(null));
        Assert.Empty(SqliteValues.FromJson("{}", "test"));
    }

    [Theory]
    [InlineData("{\"a\":\"b\"}", "a", "b")]
    [InlineData("{ \"a\" : \"b\" }", "a", "b")]      // whitespace: the full reader
    [InlineData("{\"a\":\"b\\u00e9\"}", "a", "bé")]  // escape: the full reader
    public void ReadsPlainAndGeneralJsonObjects(string json, string key, string value) =>
        Assert.Equal(value, SqliteValues.FromJson(json, "test")[key]);

    [Theory]
    [InlineData("not json")]
    [InlineData("[\"a\"]")]
    [InlineData("{\"a\":\"b\"")]
    [InlineData("{\"a\":{\"nested\":\"x\"}}")]
    public void MalformedJsonIsReportedAsAnUnusableInventory(string json)
    {
        var error = Assert.Throws<InventoryUnavailableException>(() => SqliteValues.FromJson(json, "snapshot tags"));
        Assert.Contains("malformed snapshot tags", error.Message);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(1_795_000_000_123L)]
    public void MillisecondsRoundTrip(long milliseconds)
    {
        var time = SqliteValues.FromUnixMilliseconds(milliseconds);
        Assert.Equal(DateTimeKind.Utc, time.Kind);
        Assert.Equal(milliseconds, SqliteValues.ToUnixMilliseconds(time));
    }

    [Fact]
    public void SubMillisecondTicksAreDroppedTowardsThePast()
    {
        Assert.Equal(-1, SqliteValues.ToUnixMilliseconds(DateTime.UnixEpoch.AddTicks(-1)));
        Assert.Equal(0, SqliteValues.ToUnixMilliseconds(DateTime.UnixEpoch.AddTicks(9_999)));
        var max = SqliteValues.FromUnixMilliseconds(SqliteValues.ToUnixMilliseconds(DateTime.MaxValue));
        Assert.Equal(DateTime.MaxValue.Ticks / 10_000 * 10_000, max.Ticks);
    }

    [Fact]
    public void EnumsAreStoredByName()
    {
        Assert.Equal("NeedsRecovery", SqliteValues.ToText(OperationState.NeedsRecovery));
        Assert.Equal(SnapshotState.Deleting, SqliteValues.ParseEnum<SnapshotState>("Deleting"));
        var unknown = Assert.Throws<InventoryUnavailableException>(() => SqliteValues.ParseEnum<SnapshotState>("Frozen"));
        Assert.Contains("'Frozen'", unknown.Message);
        Assert.Contains("newer StorageSnapshot", unknown.Message);
    }
}
