namespace StorageSnapshot.Engine.Operations.Drift;

/// <summary>
/// One difference found by a scan: what the user sees (<see cref="Drift"/>) and what a repair of it needs that the
/// public record does not carry — the driver's handle and the inventory records it is about.
/// </summary>
internal sealed record DriftItem(StorageDrift Drift)
{
    /// <summary>The object on the storage (an orphan, a snapshot whose volume is gone), as the driver listed it.</summary>
    public DriverObject? StorageObject { get; init; }

    /// <summary>The snapshot key on the storage (an orphan snapshot).</summary>
    public string? SnapshotKey { get; init; }

    /// <summary>The inventory's volume the item is about or under (its handle for snapshot look-ups).</summary>
    public Volume? InventoryVolume { get; init; }

    /// <summary>The orphan volume an orphan snapshot is on (not in the inventory yet).</summary>
    public DriverObject? StorageVolume { get; init; }

    /// <summary>The inventory's snapshot the item is about.</summary>
    public Snapshot? InventorySnapshot { get; init; }

    /// <summary>The inventory's copy the item is about.</summary>
    public SnapshotCopy? InventoryCopy { get; init; }

    /// <summary>For a ParentMissing snapshot: true when its volume is gone from the storage (else its parent record is gone).</summary>
    public bool VolumeGone { get; init; }

    /// <summary>The snapshot keys of a volume's leftovers (what DeleteLeftoversAsync is given).</summary>
    public IReadOnlyList<string> LeftoverKeys { get; init; } = [];

    /// <summary>The order repairs run in: adoptions parents first, removals and forgetting children first.</summary>
    public int Order(DriftRepair action)
    {
        var depth = Drift.ObjectType switch
        {
            TargetKind.Volume => 0,
            TargetKind.Snapshot => 1,
            _ => 2,
        };
        return action == DriftRepair.Adopt ? depth : -depth;
    }
}
