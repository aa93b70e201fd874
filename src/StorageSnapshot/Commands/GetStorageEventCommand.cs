using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Get-StorageEvent: the audit and usage log — what happened to what, when, by whom (user and host) and how many
/// bytes — oldest first. Objects export as they are (<c>| Export-Csv</c>).
/// </summary>
[Cmdlet(VerbsCommon.Get, "StorageEvent", HelpUri = HelpLinks.Base + "Get-StorageEvent.md")]
[OutputType(typeof(StorageEvent))]
public sealed class GetStorageEventCommand : StorageSnapshotCmdlet
{
    /// <summary>Only events at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only events of these kinds.</summary>
    [Parameter]
    public EventKind[]? Kind { get; set; }

    /// <summary>Only events about these objects (volumes, snapshots, copies, backends, secondary storages, or ids). Bound from piped objects.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public object[]? Target { get; set; }

    /// <summary>Only events on these backends: objects or names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object[]? Backend { get; set; }

    /// <summary>Only the newest this many events (after the other filters).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!JournalTargets.TryFrom(this, Target, out var targets)) return;
        var filter = new EventFilter
        {
            Kinds = Kind,
            Targets = targets,
            Backends = NamedObject.Names<Backend>(Backend, b => b.Name),
            SinceUtc = Since?.ToUniversalTime(),
            Last = Last,
        };
        if (TryRun((engine, context) => engine.FindEventsAsync(filter, context), (object?)Target ?? "the event log", out var events))
        {
            foreach (var storageEvent in events) WriteObject(storageEvent);
        }
    }
}
