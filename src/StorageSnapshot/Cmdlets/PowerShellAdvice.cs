namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>
/// The engine's hints (<see cref="ErrorHint"/>) worded as what to type at a PowerShell prompt: the error record's
/// RecommendedAction. The engine names no cmdlet or parameter; this is the one place that turns its advice into
/// them. An error without a hint keeps the engine's plain-words advice.
/// </summary>
internal static class PowerShellAdvice
{
    /// <summary>
    /// The RecommendedAction for <paramref name="error"/>: its hint in PowerShell terms, else its plain words, else
    /// null. Reporting an error never fails: a hint this build cannot word (a bug <see cref="Word"/>'s tests catch)
    /// falls back to the plain words.
    /// </summary>
    public static string? For(StorageSnapshotException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Hint is not { } hint) return error.RecommendedAction;
        try
        {
            return Word(hint);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or KeyNotFoundException)
        {
            return error.RecommendedAction;
        }
    }

    /// <summary>The hint as a PowerShell command line and what it does.</summary>
    public static string Word(ErrorHint hint)
    {
        ArgumentNullException.ThrowIfNull(hint);
        string A(string name) => hint.Argument(name);
        return hint.Code switch
        {
            HintCode.EndMaintenance =>
                $"Wait for maintenance to end, or run Set-StorageBackend -Name {A(HintArgument.Backend)} -MaintenanceMode $false.",
            HintCode.SetSecretsAgain =>
                $"Set them again as this user: Set-StorageBackend -Name {A(HintArgument.Backend)} -Credential (Get-Credential) for the credential, -Property @{{ Name = ... }} for the others.",
            HintCode.ChooseSmallerVolume =>
                "Choose a smaller -SizeBytes, or another backend. Nothing was created.",
            HintCode.NameTheBackend =>
                $"Use -Backend to say which volume '{A(HintArgument.Volume)}' is meant.",
            HintCode.NameTheVolume =>
                $"Use -Volume (and -Backend) or -Id to say which snapshot '{A(HintArgument.Snapshot)}' is meant.",
            HintCode.RetryFailedCopiesRemoval =>
                $"Run Remove-SnapshotCopy -Failed -Destination {A(HintArgument.Destination)} again when those copies have finished.",
            HintCode.RestoreIntoNewVolume =>
                $"Restore the copy into a new volume: New-StorageVolume -Name <name> -FromCopy (Get-SnapshotCopy -Id {A(HintArgument.CopyId)}).",
            HintCode.MaintenanceModeForReason =>
                $"Add -MaintenanceMode $true to give a reason: Set-StorageBackend -Name {A(HintArgument.Backend)} -MaintenanceMode $true -Reason '...'.",
            HintCode.ExpiryOrClearExpiry =>
                "Give -ExpiresAt or -ClearExpiry, not both.",
            HintCode.MoveBackendData =>
                "To move the data, register a new backend on the new location and restore copies into it (New-StorageVolume -FromCopy -Backend), or remove the volumes first.",
            HintCode.FixBackendProperties =>
                $"Fix the properties of backend '{A(HintArgument.Backend)}' (Get-StorageDriver {A(HintArgument.Driver)} lists what the driver takes).",
            HintCode.FreeSecondaryStorageSpace =>
                $"Free space now with 'Remove-SnapshotCopy -Failed -Destination {A(HintArgument.Destination)}': it forgets the failed copies and deletes at once every chunk " +
                "no committed copy references (what failed copies stored, and what copies removed earlier left). A plain Remove-SnapshotCopy frees a copy's " +
                $"chunks only after a 24-hour grace period, so run 'Remove-SnapshotCopy -Failed -Destination {A(HintArgument.Destination)}' after removing copies you no longer need. " +
                "Or add space. Then run the copy again.",
            HintCode.CreateRepositoryDirectory =>
                "Check the path (is the share mounted?), or add -Create to create the directory.",
            HintCode.ChooseEmptyRepositoryDirectory =>
                "Choose an empty directory, or a new one with -Create.",
            HintCode.RerunCopy =>
                $"Run the same Copy-SnapshotToSecondary again (snapshot '{A(HintArgument.Snapshot)}' of volume '{A(HintArgument.Volume)}' to '{A(HintArgument.Destination)}'): " +
                $"it resumes copy {A(HintArgument.CopyId)} and reuses every chunk already stored.",
            HintCode.RerunRestoreInPlace =>
                $"Run the same Restore-StorageSnapshot -FromCopy again to restore volume '{A(HintArgument.Volume)}' on backend '{A(HintArgument.Backend)}' " +
                $"from copy {A(HintArgument.CopyId)} of snapshot '{A(HintArgument.Snapshot)}' on '{A(HintArgument.Destination)}'.",
            HintCode.RerunRestoreIntoNewVolume =>
                $"Run the same New-StorageVolume -FromCopy again to restore copy {A(HintArgument.CopyId)} of snapshot '{A(HintArgument.Snapshot)}' " +
                $"on '{A(HintArgument.Destination)}' into '{A(HintArgument.Volume)}'.",
            HintCode.IncludeSnapshots =>
                $"Remove its snapshots first, or add -IncludeSnapshots to remove them with the volume: Remove-StorageVolume {A(HintArgument.Volume)} -IncludeSnapshots.",
            HintCode.RemoveClones =>
                $"Remove-StorageVolume {A(HintArgument.Names)}, then try again.",
            HintCode.RemoveFailedSnapshot =>
                $"Remove it (Remove-StorageSnapshot -Id {A(HintArgument.SnapshotId)}) to retry with this token, or use a new token.",
            HintCode.RemoveCopiesFirst =>
                $"Remove its copies first (Get-SnapshotCopy -Destination {A(HintArgument.Destination)} | Remove-SnapshotCopy), then unregister it.",
            HintCode.RerunCopyRemoval =>
                $"Run 'Remove-SnapshotCopy -Id {A(HintArgument.CopyId)}' again (once any copy of its snapshot that is running has finished): it finishes the removal.",
            _ => throw new ArgumentOutOfRangeException(nameof(hint), hint.Code, "A hint code without PowerShell wording."),
        };
    }
}
