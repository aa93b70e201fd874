using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>
/// Every example in README.md, docs/*.md (the about topic included) and docs/concepts/*.md runs, in order, in a fresh
/// runspace against a temporary directory backend, and succeeds as written. The conventions are in docs/README.md.
/// </summary>
public sealed class DocExampleTests
{
    public static TheoryData<string> Documents =>
        new(DocExample.DocumentFiles().Where(f => DocExample.In(f).Count > 0).Select(f => Path.GetRelativePath(Repository.Root, f)));

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_example_runs_as_written(string document)
    {
        var path = Path.Combine(Repository.Root, document);
        using var session = DocExample.StartsEmpty(path) ? PowerShellSession.Start() : PowerShellSession.StartWithLab();
        // Paths under /srv/ and /mnt/ stand for folders that exist on the reader's host: here, empty ones in the session folder.
        string Mapped(string code) => code.Replace("'/srv/", $"'{session.Root}/srv/", StringComparison.Ordinal)
            .Replace(" /srv/", $" {session.Root}/srv/", StringComparison.Ordinal)
            .Replace("'/mnt/", $"'{session.Root}/mnt/", StringComparison.Ordinal)
            .Replace(" /mnt/", $" {session.Root}/mnt/", StringComparison.Ordinal);
        session.Run($"""
            $null = New-Item -ItemType Directory -Force -Path srv/volumes, srv/volumes2, mnt/backup/storagesnapshot, mnt/backup/snapshots, mnt/backup2
            $ConfirmPreference = 'None'   # a confirmation prompt is answered Yes
            $env:PSModulePath = '{Path.GetDirectoryName(Path.GetDirectoryName(Repository.ModuleManifest))}' + [IO.Path]::PathSeparator + $env:PSModulePath
            Import-Module '{Repository.PesterManifest}'
            $PesterPreference = New-PesterConfiguration; $PesterPreference.Run.Throw = $true   # a failing Pester example fails the test
            """).ThrowIfFailed();

        foreach (var example in DocExample.In(path))
        {
            if (example.FileName is not null)
            {
                File.WriteAllText(Path.Combine(session.Root, example.FileName), example.Code);
                continue;
            }
            var result = session.Run(Mapped(example.Code));
            if (result.Terminating is not null || result.Errors.Count > 0)
            {
                throw new Xunit.Sdk.XunitException($"{example.File}:{example.Line} failed:\n{example.Code}\n---\n" +
                    string.Join("\n", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")
                        .Concat(result.Terminating is null ? [] : [$"terminating: {result.Terminating.Message}"])));
            }
        }
    }

    [Fact]
    public void No_command_of_this_module_hides_in_a_fence_that_is_not_tested()
    {
        Assert.Empty(DocExample.DocumentFiles().SelectMany(DocExample.UntestedCommands));
    }
}
