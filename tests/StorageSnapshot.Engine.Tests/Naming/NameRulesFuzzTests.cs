using System.Globalization;
using System.Text;
using StorageSnapshot.Engine.Naming;
using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Naming;

/// <summary>
/// The name validator against an independent statement of the rule, over every UTF-16 code unit in every
/// position, every Unicode category, and random strings of every length up to past the limit. A name becomes a
/// file name in drivers, so whatever is accepted must also be a plain, single-segment, printable file name.
/// </summary>
public sealed class NameRulesFuzzTests
{
    private readonly ITestOutputHelper output;

    public NameRulesFuzzTests(ITestOutputHelper output) => this.output = output;

    /// <summary>The rule, written without a regular expression.</summary>
    private static bool ShouldAccept(string name) =>
        name.Length is >= 1 and <= NameRules.MaxLength
        && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
        && !name.Contains("..", StringComparison.Ordinal);

    private static void Agrees(string name)
    {
        var problem = NameRules.Check("volume", name);
        if (ShouldAccept(name))
        {
            Assert.True(problem is null, $"'{Escape(name)}' should be accepted: {problem}");
            Assert.Equal(name, Path.GetFileName(name));
            Assert.Equal(name, name.Trim());
        }
        else
        {
            Assert.True(problem is not null, $"'{Escape(name)}' should be refused");
            // The message shows what is really there: no raw control or line-break characters in it.
            Assert.DoesNotContain(problem!, c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085');
        }
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:X4}"));

    [Theory]
    [InlineData("nl\n")]
    [InlineData("nl\r\n")]
    [InlineData("nl\r")]
    [InlineData("\nnl")]
    [InlineData("n\nl")]
    [InlineData("nl\u0085")]
    [InlineData("nl\u2028")]
    [InlineData("nl\0")]
    [InlineData("nl\t")]
    [InlineData("nl ")]
    public void Refuses_a_name_with_a_line_break_or_control_character_anywhere(string name)
    {
        var error = Assert.Throws<ValidationException>(() => NameRules.Require("volume", name));
        Assert.Equal(ErrorIds.InvalidName, error.ErrorId);
        Assert.DoesNotContain(error.Message, c => char.IsControl(c));
    }

    [Fact]
    public void A_trailing_newline_is_named_in_the_message()
    {
        var problem = NameRules.Check("volume", "nl\n");
        Assert.NotNull(problem);
        Assert.Contains(@"'nl\u000A'", problem, StringComparison.Ordinal);
        Assert.Contains("line feed", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_UTF16_code_unit_in_every_position_agrees_with_the_rule()
    {
        for (var code = 0; code <= char.MaxValue; code++)
        {
            var c = (char)code;
            Agrees(c.ToString());
            Agrees("a" + c);
            Agrees(c + "a");
            Agrees("a" + c + "b");
            Agrees("ab" + c);
        }
    }

    [Fact]
    public void A_character_of_every_Unicode_category_is_refused_unless_it_is_in_the_portable_alphabet()
    {
        var seen = new HashSet<UnicodeCategory>();
        for (var code = 0; code <= 0x10FFFF; code++)
        {
            if (code is >= 0xD800 and <= 0xDFFF) continue;
            var rune = new Rune(code);
            var category = Rune.GetUnicodeCategory(rune);
            if (!seen.Add(category) && code > 0x7f && code % 97 != 0) continue; // a sample of each category beyond the first
            var text = rune.ToString();
            Agrees("v" + text);
            Agrees("v" + text + "1");
        }
        Assert.Equal(Enum.GetValues<UnicodeCategory>().Length - 1, seen.Count); // all but Surrogate, which no scalar value has
    }

    [Fact]
    public void Lengths_around_the_limit()
    {
        foreach (var length in new[] { 0, 1, 2, 127, 128, 129, 256, 4096 })
        {
            Agrees(new string('a', length));
            Agrees(new string('a', Math.Max(0, length - 1)) + "\n");
        }
    }

    [Fact]
    public void Random_strings_agree_with_the_rule()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed} (replay: new Random({seed}))");
        var random = new Random(seed);
        const string likely = "abcXYZ019._- \n\r\t/\\:*?\"<>|`$'";
        for (var i = 0; i < 50_000; i++)
        {
            var length = random.Next(0, 140);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = random.Next(4) switch
                {
                    0 => (char)random.Next(0, 0x80),
                    1 => (char)random.Next(0, 0x10000),
                    _ => likely[random.Next(likely.Length)],
                };
            }
            var name = new string(chars);
            try
            {
                Agrees(name);
            }
            catch
            {
                output.WriteLine($"failed on '{Escape(name)}' (seed {seed}, iteration {i})");
                throw;
            }
        }
    }
}
