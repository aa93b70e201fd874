namespace StorageSnapshot;

/// <summary>
/// An object as completion shows it: its id and name, and where it is (the backend of a volume; the volume and
/// backend of a snapshot; the volume, backend and destination of a copy, whose name is its snapshot's).
/// </summary>
public sealed record InventoryName(string Id, string Name, string? Volume, string? Backend, string? Destination);
