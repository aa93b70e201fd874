using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using PS = System.Management.Automation.PowerShell;

namespace StorageSnapshot.PowerShell.Tests.Infrastructure;

/// <summary>
/// A fresh PowerShell runspace (PowerShell 7.6 from Microsoft.PowerShell.SDK, in this process) with the built module
/// imported, its own temporary folder, and $env:STORAGESNAPSHOT_HOME pointing into it: binding, pipelines,
/// -WhatIf, error records, formatting and help are PowerShell's own, nothing is modelled.
/// </summary>
public sealed partial class PowerShellSession : IDisposable
{
    private readonly Runspace runspace;
    private readonly string? savedHome;

    private PowerShellSession(string root)
    {
        Root = root;
        savedHome = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_HOME");
        Environment.SetEnvironmentVariable("STORAGESNAPSHOT_HOME", Path.Combine(root, "inventory"));
        var state = InitialSessionState.CreateDefault2();
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        runspace.SessionStateProxy.Path.SetLocation(root);
        Run($"Import-Module '{Repository.ModuleManifest}' -ErrorAction Stop").ThrowIfFailed();
    }

    /// <summary>The runspace, for tests that drive a pipeline themselves (Stop, BeginInvoke).</summary>
    public Runspace Runspace => runspace;

    /// <summary>The session's temporary folder (its inventory is in inventory/ under it).</summary>
    public string Root { get; }

    /// <summary>Starts a session in a new temporary folder.</summary>
    public static PowerShellSession Start()
    {
        var root = Path.Combine(Path.GetTempPath(), "storagesnapshot-ps-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        return new PowerShellSession(root);
    }

    /// <summary>
    /// A session with the standard lab: backend 'lab' (directory driver) with volumes db01, v1 and v2 (1 MiB),
    /// snapshot 'nightly' of db01, secondary storage 'nfs1' holding a copy of it; $lab, $db01, $nightly, $nfs1 and
    /// $copy hold the objects.
    /// </summary>
    public static PowerShellSession StartWithLab()
    {
        var session = Start();
        session.Run(LabScript).ThrowIfFailed();
        return session;
    }

    /// <summary>The standard lab (see <see cref="StartWithLab"/>).</summary>
    public const string LabScript = """
        $null = New-Item -ItemType Directory -Path volumes, nfs1
        $lab = Register-StorageBackend -Name lab -Driver directory -Property @{ Path = (Resolve-Path volumes).Path } -PassThru
        $db01, $v1, $v2 = 'db01', 'v1', 'v2' | ForEach-Object { New-StorageVolume -Backend lab -Name $_ -SizeBytes 1MB }
        $nightly = New-StorageSnapshot -Volume db01 -Backend lab -Name nightly
        $nfs1 = Register-SecondaryStorage -Name nfs1 -Path (Resolve-Path nfs1).Path -ChunkSizeBytes 64KB -PassThru
        $copy = $nightly | Copy-SnapshotToSecondary -Destination nfs1
        """;

    /// <summary>Runs a script in the session's runspace and collects every stream.</summary>
    public Result Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var shell = PS.Create();
        shell.Runspace = runspace;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>()) runspace.SessionStateProxy.SetVariable(name, value);
        shell.AddScript(script);
        Collection<PSObject> output = [];
        Exception? terminating = null;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }
        return new Result(output.ToArray(), shell.Streams.Error.ToArray(), terminating, shell.Streams.Progress.ToArray(),
            shell.Streams.Warning.Select(w => w.Message).ToArray(), shell.Streams.Verbose.Select(v => v.Message).ToArray());
    }

    /// <summary>Runs a script and returns its output as strings (ToString of each object); fails the test on any error.</summary>
    public IReadOnlyList<string> Strings(string script) => Run(script).ThrowIfFailed().Output.Select(o => o.ToString()).ToArray();

    /// <summary>
    /// The parameters of <paramref name="cmdlet"/> that PowerShell bound from the pipeline while running
    /// <paramref name="script"/>, per pipeline object, read from PowerShell's own ParameterBinding trace.
    /// </summary>
    public (IReadOnlyList<IReadOnlySet<string>> BoundPerObject, Result Result) PipelineBinding(string script, string cmdlet)
    {
        var trace = Path.Combine(Root, $"binding-{Guid.NewGuid():N}.txt");
        var result = Run($"Trace-Command -Name ParameterBinding -FilePath '{trace}' -Expression {{ {script} }}");
        var perObject = new List<HashSet<string>>();
        HashSet<string>? current = null;
        foreach (var line in File.ReadLines(trace))
        {
            if (line.Contains($"BIND PIPELINE object to parameters: [{cmdlet}]", StringComparison.Ordinal))
            {
                current = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                perObject.Add(current);
            }
            else if (line.Contains("BIND PIPELINE object to parameters:", StringComparison.Ordinal) || line.Contains("CALLING ProcessRecord", StringComparison.Ordinal))
            {
                current = null;
            }
            else if (current is not null && BoundLine().Match(line) is { Success: true } bound)
            {
                current.Add(bound.Groups[1].Value);
            }
        }
        File.Delete(trace);
        return (perObject, result);
    }

    [GeneratedRegex(@"BIND arg \[.*\] to param \[(\w+)\] SUCCESSFUL")]
    private static partial Regex BoundLine();

    public void Dispose()
    {
        runspace.Dispose();
        Environment.SetEnvironmentVariable("STORAGESNAPSHOT_HOME", savedHome);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing command: the folder is in /tmp and removed by the system later.
        }
    }

    /// <summary>What a script did.</summary>
    public sealed record Result(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, Exception? Terminating,
        IReadOnlyList<ProgressRecord> Progress, IReadOnlyList<string> Warnings, IReadOnlyList<string> Verbose)
    {
        /// <summary>The FullyQualifiedErrorIds of the error stream and of a terminating error.</summary>
        public IReadOnlyList<string> ErrorIds =>
            Errors.Select(e => e.FullyQualifiedErrorId)
                .Concat(Terminating is IContainsErrorRecord t ? [t.ErrorRecord.FullyQualifiedErrorId] : [])
                .ToArray();

        /// <summary>Fails the test with every error's text when the script wrote an error or threw.</summary>
        public Result ThrowIfFailed()
        {
            if (Terminating is null && Errors.Count == 0) return this;
            var messages = Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")
                .Concat(Terminating is null ? [] : [$"terminating {(Terminating as IContainsErrorRecord)?.ErrorRecord.FullyQualifiedErrorId}: {Terminating.Message}"]);
            throw new Xunit.Sdk.XunitException("The script failed:\n" + string.Join("\n", messages));
        }

        /// <summary>The output objects' base objects of type <typeparamref name="T"/>.</summary>
        public IReadOnlyList<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>().ToArray();
    }
}
