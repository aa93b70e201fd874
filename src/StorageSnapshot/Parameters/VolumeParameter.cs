namespace StorageSnapshot.Commands;

/// <summary>
/// The value of New-StorageSnapshot -Volume: a volume object (from Get-StorageVolume) or a volume name.
/// PowerShell converts either into this type through the implicit conversions below, both for arguments
/// (<c>-Volume db01</c>, <c>-Volume $v</c>) and for pipeline input, which binds in the "by value with type
/// conversion" step. No work happens here: the name is resolved by the engine when the cmdlet runs.
/// </summary>
public sealed class VolumeParameter
{
    /// <summary>A volume object.</summary>
    public VolumeParameter(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        Volume = volume;
        Name = volume.Name;
    }

    /// <summary>A volume name (resolved on the backend given by -Backend, or on the only backend that has it).</summary>
    public VolumeParameter(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
    }

    /// <summary>The volume object, when one was given.</summary>
    public Volume? Volume { get; }

    /// <summary>The volume's name.</summary>
    public string Name { get; }

    /// <summary>Converts a volume object.</summary>
    public static implicit operator VolumeParameter(Volume volume) => new(volume);

    /// <summary>Converts a volume name.</summary>
    public static implicit operator VolumeParameter(string name) => new(name);

    /// <inheritdoc />
    public override string ToString() => Volume is null ? Name : $"{Volume.Backend}/{Volume.Name}";
}
