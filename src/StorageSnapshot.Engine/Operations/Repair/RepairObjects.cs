using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>Driver handles rebuilt from what the inventory and the journal entry kept.</summary>
internal static class RepairObjects
{
    /// <summary>The volume's handle from its row, else from the reference the entry recorded; null when neither has one.</summary>
    public static DriverObject? Volume(Volume? volume, string? journaledReference)
    {
        var reference = volume?.DriverReference ?? journaledReference;
        return reference is null ? null : new DriverObject { Reference = reference, Location = volume?.Location ?? string.Empty, SizeBytes = volume?.SizeBytes ?? 0 };
    }
}
