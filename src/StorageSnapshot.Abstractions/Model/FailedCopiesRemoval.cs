namespace StorageSnapshot;

/// <summary>What Remove-SnapshotCopy -Failed did on one secondary storage.</summary>
/// <param name="Destination">The secondary storage.</param>
/// <param name="FailedCopiesRemoved">Failed copy records forgotten.</param>
/// <param name="ChunksDeleted">Unreferenced chunks deleted.</param>
/// <param name="BytesFreed">Their stored size.</param>
public sealed record FailedCopiesRemoval(string Destination, int FailedCopiesRemoved, int ChunksDeleted, long BytesFreed);
