namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// Tests whose assertions depend on timing under a known load — where random SIGKILLs land relative to a calibration
/// run — and so must not share the machine's two cores with the rest of the suite (the fault suite's hundreds of
/// child processes made CrashSafetyTests miss its "kills landed mid-copy" quota). xunit runs a collection without
/// parallelization after all the parallel ones, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Timing-sensitive: runs alone";
}
