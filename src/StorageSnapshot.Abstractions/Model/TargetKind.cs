namespace StorageSnapshot;

/// <summary>What kind of object an operation or an event is about.</summary>
public enum TargetKind
{
    /// <summary>A storage backend (its id is its name).</summary>
    Backend,
    /// <summary>A volume.</summary>
    Volume,
    /// <summary>A snapshot.</summary>
    Snapshot,
    /// <summary>A copy on secondary storage.</summary>
    Copy,
    /// <summary>A secondary storage (its id is its name).</summary>
    SecondaryStorage,
}
