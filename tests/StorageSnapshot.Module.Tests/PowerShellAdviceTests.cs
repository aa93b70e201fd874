using System.Reflection;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// The cmdlets word every engine hint as PowerShell (the error record's RecommendedAction): each code has its
/// wording, uses its arguments, and the wordings scripts and users were shown before hints existed stay as they
/// were. Runs the built cmdlet assembly's <c>PowerShellAdvice</c> in this process.
/// </summary>
[Collection(EngineLoadContextCollection.Name)]
public sealed class PowerShellAdviceTests(EngineResolverFixture fixture)
{
    private readonly Assembly abstractions = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("StorageSnapshot.Abstractions"));

    private Type HintCode => abstractions.GetType("StorageSnapshot.HintCode", throwOnError: true)!;

    private string Word(string code, params (string Name, string Value)[] arguments)
    {
        var hintType = abstractions.GetType("StorageSnapshot.ErrorHint", throwOnError: true)!;
        var hint = Activator.CreateInstance(hintType, Enum.Parse(HintCode, code), arguments.ToDictionary(a => a.Name, a => a.Value) as IReadOnlyDictionary<string, string>)!;
        var advice = fixture.CmdletAssembly.GetType("StorageSnapshot.Commands.Cmdlets.PowerShellAdvice", throwOnError: true)!;
        try
        {
            return (string)advice.GetMethod("Word")!.Invoke(null, [hint])!;
        }
        catch (TargetInvocationException e)
        {
            throw e.InnerException!;
        }
    }

    [Fact]
    public void Every_hint_code_is_worded_with_its_arguments()
    {
        var argumentNames = abstractions.GetType("StorageSnapshot.HintArgument", throwOnError: true)!
            .GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();
        Assert.NotEmpty(argumentNames);
        foreach (var code in Enum.GetNames(HintCode))
        {
            var all = argumentNames.Select(n => (n, $"<{n.ToLowerInvariant()}-value>")).ToArray();
            var text = Word(code, all);
            Assert.False(string.IsNullOrWhiteSpace(text), code);
            Assert.Matches(@"[A-Z][a-z]+-[A-Z][A-Za-z]+|(?<![\w-])-[A-Z][A-Za-z]+", text); // a cmdlet or a parameter: that is what the engine cannot say
            // Every argument the wording uses is one the code documents (HintCode's comments list them).
            var documented = DocumentedArguments(code);
            foreach (var (name, value) in all.Where(a => text.Contains(a.Item2, StringComparison.Ordinal)))
                Assert.True(documented.Contains(name), $"{code} uses {name}, which its documentation does not list.");
        }
    }

    [Fact]
    public void A_hint_made_without_an_argument_its_wording_needs_is_a_bug_not_a_blank()
    {
        Assert.Throws<KeyNotFoundException>(() => Word("EndMaintenance"));
    }

    [Fact]
    public void An_error_record_gets_the_worded_hint_else_the_plain_words_and_never_fails_over_a_bad_hint()
    {
        var advice = fixture.CmdletAssembly.GetType("StorageSnapshot.Commands.Cmdlets.PowerShellAdvice", throwOnError: true)!.GetMethod("For")!;
        var hintType = abstractions.GetType("StorageSnapshot.ErrorHint", throwOnError: true)!;
        object Error(string? words, object? hint)
        {
            var kind = Enum.Parse(abstractions.GetType("StorageSnapshot.ErrorKind", throwOnError: true)!, "ResourceUnavailable");
            var error = Activator.CreateInstance(abstractions.GetType("StorageSnapshot.StorageSnapshotException", throwOnError: true)!, "BackendInMaintenance", kind, "m", null, null)!;
            error.GetType().GetProperty("RecommendedAction")!.SetValue(error, words);
            error.GetType().GetProperty("Hint")!.SetValue(error, hint);
            return error;
        }
        object Hint(params (string, string)[] arguments) =>
            Activator.CreateInstance(hintType, Enum.Parse(HintCode, "EndMaintenance"), arguments.ToDictionary(a => a.Item1, a => a.Item2) as IReadOnlyDictionary<string, string>)!;

        Assert.Equal("Wait for maintenance to end, or run Set-StorageBackend -Name lab -MaintenanceMode $false.", advice.Invoke(null, [Error("plain", Hint(("Backend", "lab")))]));
        Assert.Equal("plain", advice.Invoke(null, [Error("plain", null)]));
        Assert.Equal("plain", advice.Invoke(null, [Error("plain", Hint())])); // a hint without its argument: the plain words
        Assert.Null(advice.Invoke(null, [Error(null, null)]));
    }

    [Theory]
    [InlineData("EndMaintenance", "Wait for maintenance to end, or run Set-StorageBackend -Name lab -MaintenanceMode $false.", "Backend=lab")]
    [InlineData("RestoreIntoNewVolume", "Restore the copy into a new volume: New-StorageVolume -Name <name> -FromCopy (Get-SnapshotCopy -Id 01C).", "CopyId=01C")]
    [InlineData("NameTheVolume", "Use -Volume (and -Backend) or -Id to say which snapshot 'nightly' is meant.", "Snapshot=nightly")]
    [InlineData("RemoveClones", "Remove-StorageVolume c1, c2, then try again.", "Names=c1, c2")]
    [InlineData("CreateRepositoryDirectory", "Check the path (is the share mounted?), or add -Create to create the directory.", "Path=/mnt/x")]
    public void Wordings_users_were_shown_before_hints_stay(string code, string expected, string argument)
    {
        var (name, value) = (argument[..argument.IndexOf('=')], argument[(argument.IndexOf('=') + 1)..]);
        Assert.Equal(expected, Word(code, (name, value)));
    }

    [Fact]
    public void Resuming_and_freeing_space_are_worded_as_the_commands_to_run()
    {
        Assert.StartsWith("Run the same Copy-SnapshotToSecondary again (snapshot 'nightly' of volume 'db01' to 'nfs1'): it resumes copy 01C",
            Word("RerunCopy", ("Snapshot", "nightly"), ("Volume", "db01"), ("Destination", "nfs1"), ("CopyId", "01C")), StringComparison.Ordinal);
        var free = Word("FreeSecondaryStorageSpace", ("Destination", "nfs1"));
        Assert.Contains("'Remove-SnapshotCopy -Failed -Destination nfs1'", free, StringComparison.Ordinal);
        Assert.Contains("24-hour grace period", free, StringComparison.Ordinal);
        Assert.Contains("Set-StorageBackend -Name vault -Credential", Word("SetSecretsAgain", ("Backend", "vault")), StringComparison.Ordinal);
        Assert.Contains("-IncludeSnapshots", Word("IncludeSnapshots", ("Volume", "db01")), StringComparison.Ordinal);
    }

    /// <summary>The argument names HintCode's documentation comment lists for <paramref name="code"/> ("Arguments: Backend, Driver.").</summary>
    private static HashSet<string> DocumentedArguments(string code)
    {
        var source = File.ReadAllText(Path.Combine(BuiltModule.RepositoryRoot, "src", "StorageSnapshot.Abstractions", "Errors", "ErrorHint.cs"));
        var at = source.IndexOf($"    {code},", StringComparison.Ordinal);
        Assert.True(at > 0, $"HintCode.{code} not found in ErrorHint.cs");
        var summary = source[..at][(source[..at].LastIndexOf("/// <summary>", StringComparison.Ordinal))..];
        var listed = System.Text.RegularExpressions.Regex.Match(summary, @"Arguments: ([^.]*)\.");
        return listed.Success
            ? listed.Groups[1].Value.Split(',').Select(a => a.Trim().Split(' ')[0]).ToHashSet(StringComparer.Ordinal)
            : [];
    }
}
