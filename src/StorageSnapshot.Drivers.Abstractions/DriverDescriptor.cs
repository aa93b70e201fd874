namespace StorageSnapshot.Drivers;

/// <summary>What a driver declares about itself: name, capabilities, property schema.</summary>
public sealed record DriverDescriptor(string Name, string Description, DriverCapabilities Capabilities, PropertySchema Schema)
{
    /// <summary>The public view shown by Get-StorageDriver.</summary>
    public DriverInfo ToInfo() => new()
    {
        Name = Name,
        Description = Description,
        Capabilities = Capabilities,
        Properties = Schema.Properties.Select(p => p.ToInfo()).ToArray(),
    };
}
