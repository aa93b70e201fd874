namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Idempotent create: a repeated New-StorageSnapshot with the same client token on the same volume returns the
/// snapshot the first call made, whatever state it is in, and calls no driver. Reusing a token for a
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

        output.WriteVerbose($"Client token '{earlier.ClientToken}' was already used on volume '{earlier.Volume}': returning the snapshot it made, " +
                            $"'{earlier.Name}' ({earlier.Id}, {earlier.State}); no new snapshot was taken.");
        if (earlier.State != SnapshotState.Ready)
            output.WriteWarning($"The snapshot made with client token '{earlier.ClientToken}' is {earlier.State}, not Ready" +
                                (earlier.ErrorMessage is null ? "." : $": {earlier.ErrorMessage}"));
        return earlier;
    }
}
