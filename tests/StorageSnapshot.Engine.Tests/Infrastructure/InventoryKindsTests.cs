using System.Reflection;
using System.Text.RegularExpressions;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// Keeps the PostgreSQL run of the bed-based suites whole: a test class that opens an <see cref="EngineTestBed"/> on the
/// run's inventory must carry the <see cref="InventoryKinds.Each"/> trait, or tests/run.sh's second run would silently
/// leave it out.
/// </summary>
public sealed partial class InventoryKindsTests
{
    [Fact]
    public void Every_class_that_opens_a_bed_on_the_runs_inventory_runs_on_each_inventory()
    {
        var missing = new List<string>();
        var sources = Directory.EnumerateFiles(InventoryKinds.SourceFolder(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(sources);
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            // A bed whose inventory the test names itself (inventoryConnectionString:, sqlite: true) is not the run's.
            var opensOnRunsInventory = BedCreation().Matches(text).Any(m =>
                !m.Value.Contains("inventoryConnectionString", StringComparison.Ordinal) && !m.Value.Contains("sqlite: true", StringComparison.Ordinal));
            if (!opensOnRunsInventory) continue;
            foreach (Match declared in ClassDeclaration().Matches(text))
            {
                var type = typeof(InventoryKindsTests).Assembly.GetTypes().Single(t => t.Name == declared.Groups[1].Value && !t.IsNested);
                var kinds = CustomAttributeData.GetCustomAttributes(type)
                    .Where(a => a.AttributeType == typeof(TraitAttribute))
                    .Select(a => ((string)a.ConstructorArguments[0].Value!, (string)a.ConstructorArguments[1].Value!));
                if (!kinds.Contains((InventoryKinds.Trait, InventoryKinds.Each))) missing.Add($"{type.Name} ({Path.GetRelativePath(InventoryKinds.SourceFolder(), file)})");
            }
        }
        Assert.True(missing.Count == 0,
            $"These classes open an EngineTestBed on the run's inventory without [Trait(InventoryKinds.Trait, InventoryKinds.Each)]: {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"EngineTestBed\.CreateAsync\([^;]*;")]
    private static partial Regex BedCreation();

    [GeneratedRegex(@"^public (?:sealed |static |abstract )*(?:partial )?class (\w+)", RegexOptions.Multiline)]
    private static partial Regex ClassDeclaration();
}
