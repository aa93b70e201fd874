using System.Management.Automation;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>
/// The -Target of Get-StorageOperation and Get-StorageEvent: volumes, snapshots and copies (piped or given), or ids
/// and names as strings. An object of another type is refused with a clear message instead of matching nothing.
/// </summary>
internal static class JournalTargets
{
    public static IReadOnlyCollection<JournalSubject>? From(object[]? targets)
    {
        if (targets is null) return null;
        return targets.Select(t => (t is PSObject wrapped ? wrapped.BaseObject : t) switch
        {
            Volume volume => JournalSubject.Of(volume),
            Snapshot snapshot => JournalSubject.Of(snapshot),
            SnapshotCopy copy => JournalSubject.Of(copy),
            Backend backend => new JournalSubject(backend.Name),
            SecondaryStorage storage => new JournalSubject(storage.Name),
            string text => new JournalSubject(text),
            var other => throw new PSArgumentException(
                $"-Target takes volumes, snapshots, copies, backends, secondary storages or their ids, not a {other?.GetType().Name ?? "null"}."),
        }).ToArray();
    }

    /// <summary>
    /// <see cref="From"/> for a cmdlet: false (with the InvalidArgument error written) when a target is of a kind the
    /// journal does not follow, so both journal cmdlets refuse it the same way.
    /// </summary>
    public static bool TryFrom(Cmdlet cmdlet, object[]? targets, out IReadOnlyCollection<JournalSubject>? subjects)
    {
        try
        {
            subjects = From(targets);
            return true;
        }
        catch (PSArgumentException e)
        {
            cmdlet.WriteError(new ErrorRecord(e, "InvalidArgument", ErrorCategory.InvalidArgument, targets));
            subjects = null;
            return false;
        }
    }
}
