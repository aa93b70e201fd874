using System.Text.RegularExpressions;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// The seams of issue 9 §4, checked on what is built and written: a vendor driver references the driver contract
/// alone (no SQLite, no JSON library, no engine); the engine's public surface is its façade (plus the driver
/// registry a host adds a vendor driver to); and inside the engine dependencies point down the layers only.
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>Engine folders from the bottom layer up; a folder may name its own layer's folders or lower ones only.</summary>
    private static readonly string[][] Layers =
    [
        ["Platform", "Naming"],
        ["Drivers", "Secrets", "Inventory"],
        ["Secondary"],
        ["Operations"],
        // Policies run the façade's use cases (a policy run is snapshots, copies and removals as a user would ask
        // for them) and the façade offers them: one application layer.
        ["Facade", "Policies"],
    ];

    [Fact]
    public void The_driver_contract_references_only_the_shared_object_model_and_the_framework()
    {
        var contract = BuiltModule.LoadDependency("StorageSnapshot.Drivers.Abstractions");
        var references = contract.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("StorageSnapshot.Abstractions", references);
        var foreign = references.Where(name => name != "StorageSnapshot.Abstractions" && name != "netstandard" && !name.StartsWith("System", StringComparison.Ordinal)).ToList();
        Assert.True(foreign.Count == 0, "The driver contract references " + string.Join(", ", foreign));
        Assert.Contains(contract.GetExportedTypes(), t => t.FullName == "StorageSnapshot.Drivers.IStorageDriver");
        Assert.Contains(contract.GetExportedTypes(), t => t.FullName == "StorageSnapshot.Drivers.IDriverBackend");
    }

    [Fact]
    public void The_engine_exports_its_facade_and_the_driver_registry_only()
    {
        var engine = BuiltModule.LoadDependency("StorageSnapshot.Engine");
        var exported = engine.GetExportedTypes().Select(t => t.FullName!).ToList();

        Assert.Contains("StorageSnapshot.Engine.Facade.StorageSnapshotEngine", exported);
        var beyond = exported.Where(name => !name.StartsWith("StorageSnapshot.Engine.Facade.", StringComparison.Ordinal)
                                            && name != "StorageSnapshot.Engine.Drivers.DriverRegistry").Order(StringComparer.Ordinal).ToList();
        Assert.True(beyond.Count == 0, "Public beyond the façade: " + string.Join(", ", beyond));
    }

    [Fact]
    public void Engine_folders_name_only_their_own_layer_or_lower_ones()
    {
        var layerOf = Layers.SelectMany((folders, level) => folders.Select(f => (f, level))).ToDictionary(x => x.f, x => x.level, StringComparer.Ordinal);
        var engineRoot = Path.Combine(BuiltModule.RepositoryRoot, "src", "StorageSnapshot.Engine");
        var upward = new List<string>();
        foreach (var folder in layerOf.Keys)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(engineRoot, folder), "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (var named in EngineNamespace().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal))
                {
                    if (!layerOf.TryGetValue(named, out var level))
                        upward.Add($"{Path.GetRelativePath(engineRoot, file)} names StorageSnapshot.Engine.{named}, a folder outside the layer table");
                    else if (level > layerOf[folder])
                        upward.Add($"{Path.GetRelativePath(engineRoot, file)} ({folder}) names {named}, a higher layer");
                }
            }
        }
        Assert.True(upward.Count == 0, string.Join("\n", upward));
    }

    [Fact]
    public void The_layer_check_sees_a_using_and_a_qualified_name()
    {
        Assert.Equal(["Facade", "Operations"], EngineNamespace().Matches("using StorageSnapshot.Engine.Facade;\nvar x = new StorageSnapshot.Engine.Operations.Runner();").Select(m => m.Groups[1].Value));
        Assert.Empty(EngineNamespace().Matches("namespace StorageSnapshot.Engine.Facade;"));
    }

    // A using directive or a qualified name of an engine namespace, not the file's own namespace declaration.
    [GeneratedRegex(@"(?<!namespace )\bStorageSnapshot\.Engine\.([A-Z][A-Za-z]+)")]
    private static partial Regex EngineNamespace();
}
