namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Idempotent create: a repeated New-StorageSnapshot with the same client token on the same volume returns the
/// snapshot the first call made and calls no driver — when that snapshot is Ready. When it is not (the first
/// create failed, or its process died mid-create) the repeat is refused with InvalidState naming the snapshot:
/// a runbook re-run after a crash must not report success for a snapshot that does not exist, and silently
/// retrying under the same token would hide the first failure. Removing the failed snapshot frees the token. Reusing a token for a
/// different snapshot (another explicit name) is a caller bug and is refused with InvalidArgument rather than
/// silently answered with the wrong snapshot. Other fields (description, tags, expiry) are not compared: a
/// retry may legitimately recompute them (an expiry relative to "now", for example).
/// </summary>
internal static class ClientTokens
{
    /// <param name="earlier">The snapshot made with the token.</param>
    /// <param name="requestedName">The name the repeat asked for explicitly, or null when it asked for the default.</param>
    /// <param name="output">Where the replay is reported.</param>
    public static Snapshot Replay(Snapshot earlier, string? requestedName, IOperationOutput output)
    {
        if (requestedName is not null && !string.Equals(requestedName, earlier.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw EngineErrors.InvalidArgument(
                $"Client token '{earlier.ClientToken}' was already used on volume '{earlier.Volume}' for snapshot '{earlier.Name}' ({earlier.Id}); " +
                $"it cannot be reused for a snapshot named '{requestedName}'. Use a new token for a new snapshot.",
                earlier.ClientToken);
        }

        if (earlier.State != SnapshotState.Ready)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Client token '{earlier.ClientToken}' was already used on volume '{earlier.Volume}' for snapshot '{earlier.Name}' ({earlier.Id}), " +
                $"which is {earlier.State}, not Ready" + (earlier.ErrorMessage is null ? "." : $": {earlier.ErrorMessage}") +
                " Remove it to retry with this token, or use a new token.",
                earlier)
            {
                Hint = ErrorHint.RemoveFailedSnapshot(earlier.Id),
            };
        }

        output.WriteVerbose($"Client token '{earlier.ClientToken}' was already used on volume '{earlier.Volume}': returning the snapshot it made, " +
                            $"'{earlier.Name}' ({earlier.Id}); no new snapshot was taken.");
        return earlier;
    }
}
