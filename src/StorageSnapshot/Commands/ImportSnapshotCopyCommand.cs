using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Import-SnapshotCopy: rebuilds the inventory's copy records from a secondary storage's repository — the
/// disaster-recovery path when the inventory is lost: register the repository on a fresh machine, import, restore.
/// Writes the copies it recorded (nothing when every copy was known: importing twice adds nothing). One journaled
/// operation (ImportCopies) per secondary storage.
/// </summary>
/// <remarks><c>Register-SecondaryStorage nfs1 -Path /mnt/backup; Import-SnapshotCopy -Destination nfs1</c>; a piped secondary storage binds -Destination.</remarks>
[Cmdlet(VerbsData.Import, "SnapshotCopy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    HelpUri = HelpLinks.Base + "Import-SnapshotCopy.md")]
[OutputType(typeof(SnapshotCopy))]
public sealed class ImportSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>The secondary storage whose repository to import: an object or a name. Bound from piped secondary storages.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.SecondaryStorage)]
    [NamedObject(typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public object? Destination { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var name = NamedObject.NameOf<SecondaryStorage>(Destination, s => s.Name) ?? "";
        if (TryRun((engine, context) => engine.ImportCopiesAsync(name, context), Destination, out var imported) && imported is not null)
        {
            foreach (var copy in imported) WriteObject(copy);
        }
    }
}
