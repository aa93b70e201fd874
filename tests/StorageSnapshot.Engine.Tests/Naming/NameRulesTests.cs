using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Engine.Tests.Naming;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("db01")]
    [InlineData("a")]
    [InlineData("nightly-2026.11.22_03")]
    public void AcceptsPortableNames(string name) => Assert.Null(NameRules.Check("volume", name));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData(@"a\b")]
    [InlineData("a..b")]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("with space")]
    [InlineData("semi;colon")]
    [InlineData("ünïcode")]
    public void RejectsNamesThatCouldEscapeOrNeedQuoting(string name)
    {
        var error = Assert.Throws<ValidationException>(() => NameRules.Require("volume", name));
        Assert.Equal(ErrorIds.InvalidName, error.ErrorId);
        Assert.Contains("volume name", error.Message);
    }

    [Fact]
    public void RejectsOverlongNamesSayingTheLimit()
    {
        var problem = NameRules.Check("snapshot", new string('a', NameRules.MaxLength + 1));
        Assert.NotNull(problem);
        Assert.Contains($"at most {NameRules.MaxLength}", problem);
        Assert.Null(NameRules.Check("snapshot", new string('a', NameRules.MaxLength)));
    }

    [Fact]
    public void IdsSortByCreationTimeAndLookLikeIds()
    {
        var earlier = Ids.New(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var later = Ids.New(new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc));
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
        Assert.True(Ids.LooksLikeId(earlier));
        Assert.False(Ids.LooksLikeId("db01"));
        Assert.NotEqual(Ids.New(), Ids.New());
    }

    [Theory]
    [InlineData("db*", "DB01", true)]
    [InlineData("db?1", "db01", true)]
    [InlineData("db[0-9]1", "db01", true)]
    [InlineData("db[a-c]1", "db01", false)]
    [InlineData("db01", "DB01", true)]
    [InlineData("db`*", "db*", true)]
    [InlineData("db`*", "db01", false)]
    public void WildcardsMatchLikePowerShell(string pattern, string value, bool expected) =>
        Assert.Equal(expected, Wildcard.Parse(pattern).IsMatch(value));
}
