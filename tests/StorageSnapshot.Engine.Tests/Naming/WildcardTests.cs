using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Engine.Tests.Naming;

/// <summary>PowerShell's wildcard rules: a '[' without its ']' is a bad pattern, never a literal that silently matches nothing.</summary>
public sealed class WildcardTests
{
    [Theory]
    [InlineData("v[")]
    [InlineData("db[0-9")]
    [InlineData("a*[b")]
    public void A_bracket_without_its_closing_bracket_is_an_InvalidArgument_error(string pattern)
    {
        var error = Assert.Throws<ValidationException>(() => Wildcard.Parse(pattern));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Equal(pattern, error.Target);
        Assert.Contains("'['", error.Message);
    }

    [Theory]
    [InlineData("v[12]", "v1", true)]
    [InlineData("v[12]", "v3", false)]
    [InlineData("v`[", "v[", true)]
    [InlineData("db*", "DB01", true)]
    public void Good_patterns_match_as_in_PowerShell(string pattern, string value, bool matches) =>
        Assert.Equal(matches, Wildcard.Parse(pattern).IsMatch(value));
}
