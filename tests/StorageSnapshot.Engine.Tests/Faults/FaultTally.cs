using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The counts a fault test reports at its end, so that CI's output shows them: runs, faults injected (by kind),
/// faults that struck, how operations ended, what was left for repair (NeedsRecovery), and every invariant
/// violation with the run that produced it (there must be none). Also the duration. Thread-safe: the kill loop
/// runs two streams at once.
/// </summary>
internal sealed class FaultTally
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly SortedDictionary<string, int> counts = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> outcomes = new(StringComparer.Ordinal);

    public FaultTally(string title)
    {
        Title = title;
    }

    public string Title { get; }

    /// <summary>STORAGESNAPSHOT_FAULT_VERBOSE=1 prints every run as it is checked (standard error).</summary>
    public static bool Verbose { get; } = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_FAULT_VERBOSE") == "1";
    public int Runs { get; private set; }
    public int FaultsInjected { get; private set; }
    public int NeedsRecovery { get; private set; }
    public int StuckObjects { get; private set; }
    public int UnreferencedChunks { get; private set; }
    public List<string> Violations { get; } = new();

    /// <summary>Wall time spent in child processes and in checking, for the report (where the suite's time goes).</summary>
    public TimeSpan ChildTime { get; private set; }

    public TimeSpan CheckTime { get; private set; }

    public TimeSpan ChildStartUp { get; private set; }

    public void AddChildTime(TimeSpan total, TimeSpan startUp)
    {
        lock (counts)
        {
            ChildTime += total;
            ChildStartUp += startUp;
        }
    }

    public void AddCheckTime(TimeSpan time)
    {
        lock (counts) CheckTime += time;
    }
    public List<string> Notes { get; } = new();

    /// <summary>Counts one checked run: its label (for violations), the faults it planned, how it ended and what the check found.</summary>
    public void Record(string run, int faultsInjected, string outcome, CheckReport report)
    {
        lock (counts) RecordLocked(run, faultsInjected, outcome, report);
    }

    private void RecordLocked(string run, int faultsInjected, string outcome, CheckReport report)
    {
        Runs++;
        FaultsInjected += faultsInjected;
        NeedsRecovery += report.NeedsRecovery;
        StuckObjects += report.Stuck;
        UnreferencedChunks = Math.Max(UnreferencedChunks, report.UnreferencedChunks);
        outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        foreach (var violation in report.Violations) Violations.Add($"{run}: {violation}");
        if (Verbose) Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,7:0.00} s] {run}: {outcome}{string.Concat(report.Violations.Select(v => "\n    " + v))}");
    }

    /// <summary>Adds what a check outside the runs found (the settling of a world).</summary>
    public void Checked(string label, CheckReport report)
    {
        lock (counts) CheckedLocked(label, report);
    }

    private void CheckedLocked(string label, CheckReport report)
    {
        foreach (var violation in report.Violations) Violations.Add($"{label}: {violation}");
        if (Verbose) Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,7:0.00} s] {label}{string.Concat(report.Violations.Select(v => "\n    " + v))}");
    }

    public void Count(string what, int by = 1)
    {
        if (by == 0) return;
        lock (counts) counts[what] = counts.GetValueOrDefault(what) + by;
    }

    public string Summary()
    {
        lock (counts) return SummaryLocked();
    }

    private string SummaryLocked()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"=== fault suite: {Title} ===");
        text.AppendLine(CultureInfo.InvariantCulture, $"runs: {Runs}; faults injected: {FaultsInjected}; invariant violations: {Violations.Count}; duration: {clock.Elapsed.TotalSeconds:0.0} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"  time in child processes: {ChildTime.TotalSeconds:0.0} s (of which starting up to GO: {ChildStartUp.TotalSeconds:0.0} s); checking invariants: {CheckTime.TotalSeconds:0.0} s");
        foreach (var (what, n) in counts) text.AppendLine(CultureInfo.InvariantCulture, $"  {what}: {n}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  NeedsRecovery entries seen after runs (summed over runs): {NeedsRecovery}; objects found stuck for repair (summed): {StuckObjects}; most unreferenced chunks awaiting collection: {UnreferencedChunks}");
        text.AppendLine("  outcomes:");
        foreach (var (outcome, n) in outcomes) text.AppendLine(CultureInfo.InvariantCulture, $"    {n,5}  {outcome}");
        foreach (var note in Notes) text.AppendLine("  " + note);
        foreach (var violation in Violations.Take(200)) text.AppendLine("  VIOLATION " + violation);
        if (Violations.Count > 200) text.AppendLine(CultureInfo.InvariantCulture, $"  ... and {Violations.Count - 200} more");
        return text.ToString();
    }
}
