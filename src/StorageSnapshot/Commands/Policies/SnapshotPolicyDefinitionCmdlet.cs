using StorageSnapshot.Engine.Facade;
using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Engine.Policies;

namespace StorageSnapshot.Commands.Policies;

/// <summary>The parameters that define a policy, shared by New-SnapshotPolicy and Set-SnapshotPolicy.</summary>
public abstract class SnapshotPolicyDefinitionCmdlet : StorageSnapshotCmdlet
{
    /// <summary>Free text about the policy.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>Volume names or wildcard patterns the policy covers (all volumes of -Backend when omitted).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string[]? Volume { get; set; }

    /// <summary>Backends whose volumes the policy covers (all backends when omitted).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string[]? Backend { get; set; }

    /// <summary>Five-field cron expressions (minute hour day-of-month month day-of-week), read in -TimeZone.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Schedule { get; set; }

    /// <summary>Every hour, at the minutes of -At past the hour.</summary>
    [Parameter]
    public SwitchParameter Hourly { get; set; }

    /// <summary>Every day at -At.</summary>
    [Parameter]
    public SwitchParameter Daily { get; set; }

    /// <summary>Every week on -DayOfWeek (Sunday when omitted) at -At.</summary>
    [Parameter]
    public SwitchParameter Weekly { get; set; }

    /// <summary>The days of -Weekly.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public DayOfWeek[]? DayOfWeek { get; set; }

    /// <summary>Every month on -Day (1 when omitted) at -At.</summary>
    [Parameter]
    public SwitchParameter Monthly { get; set; }

    /// <summary>The days of the month of -Monthly (1 to 31; months without the day are skipped).</summary>
    [Parameter]
    [ValidateRange(1, 31)]
    public int[]? Day { get; set; }

    /// <summary>The time of day of -Daily, -Weekly and -Monthly (minutes past the hour for -Hourly). Default 00:00.</summary>
    [Parameter]
    public TimeSpan At { get; set; }

    /// <summary>Time zone of the schedules and of the retention's days, weeks, months (IANA id such as Europe/Berlin, or UTC).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TimeZone { get; set; }

    /// <summary>How long snapshots are kept: @{ Last = n; Hourly = n; Daily = n; Weekly = n; Monthly = n; Yearly = n; MaxAge = timespan }.</summary>
    [Parameter]
    public Hashtable? Retention { get; set; }

    /// <summary>Secondary storage each snapshot is copied to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public string? Destination { get; set; }

    /// <summary>How long copies on -Destination are kept (same keys as -Retention).</summary>
    [Parameter]
    public Hashtable? CopyRetention { get; set; }

    /// <summary>Description of each snapshot; {policy}, {volume} and {slot} are replaced.</summary>
    [Parameter]
    public string? SnapshotDescription { get; set; }

    /// <summary>Tags of each snapshot (policy = the policy's name is always added).</summary>
    [Parameter]
    public Hashtable? SnapshotTag { get; set; }

    /// <summary>How late after a slot a run may still take it (default 1 hour).</summary>
    [Parameter]
    public TimeSpan StartWindow { get; set; }

    /// <summary>Take the latest missed slot once, however late.</summary>
    [Parameter]
    public SwitchParameter CatchUp { get; set; }

    /// <summary>The engine request for <paramref name="name"/> from the bound parameters.</summary>
    private protected PolicyRequest RequestFor(string name) =>
        PolicyParameters.Request(name, MyInvocation.BoundParameters, new SnapshotPolicyDefinition(
            Description, Volume, Backend, Schedule, Hourly, Daily, Weekly, DayOfWeek, Monthly, Day, At, TimeZone, Retention, Destination,
            CopyRetention, SnapshotDescription, SnapshotTag, StartWindow, CatchUp));

    /// <summary>The request, or false with the problem written as an error about <paramref name="name"/>.</summary>
    private protected bool TryRequest(string name, out PolicyRequest request)
    {
        try
        {
            request = RequestFor(name);
            return true;
        }
        catch (StorageSnapshotException e)
        {
            WriteError(ErrorRecords.From(e, name));
            request = null!;
            return false;
        }
    }
}
