using System.Runtime.CompilerServices;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// The trait that says on which inventories a test runs. A class built on <see cref="Orchestration.EngineTestBed"/> carries
/// <c>[Trait(InventoryKinds.Trait, InventoryKinds.Each)]</c>: tests/run.sh runs it once more with
/// STORAGESNAPSHOT_TEST_INVENTORY=postgresql (suite StorageSnapshot.Engine.Tests-postgresql, filter <see cref="Filter"/>),
/// each bed on a fresh database of its own. A test in such a class that checks SQLite's own mechanisms (lock files, the
/// database file's mode) adds <c>[Trait(InventoryKinds.Trait, InventoryKinds.SqliteOnly)]</c>: the filter leaves it out
/// of the PostgreSQL run — it is not emitted there rather than skipped, since it does not apply to that inventory.
/// </summary>
public static class InventoryKinds
{
    /// <summary>The trait's name.</summary>
    public const string Trait = "Inventory";

    /// <summary>On a class: its beds use whichever inventory the run chooses (SQLite by default).</summary>
    public const string Each = "each";

    /// <summary>On a test: it checks SQLite's own mechanisms and runs on SQLite only.</summary>
    public const string SqliteOnly = "sqlite";

    /// <summary>The `dotnet test --filter` of the PostgreSQL run (tests/run.sh spells the same).</summary>
    public const string Filter = $"{Trait}={Each}&{Trait}!={SqliteOnly}";

    /// <summary>This project's source folder (where this file was compiled from).</summary>
    public static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(Path.GetDirectoryName(path))!;
}
