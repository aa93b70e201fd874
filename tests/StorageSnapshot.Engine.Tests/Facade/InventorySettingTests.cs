using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// The per-user inventory choice (inventory.json) that Set-StorageInventory writes: replaced whole, so that commands
/// choosing at once leave one whole choice and never a half-written or missing file, nor temporaries beside it.
/// </summary>
public sealed class InventorySettingTests : IDisposable
{
    private readonly string home = Directory.CreateTempSubdirectory("storagesnapshot-setting-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    [Fact]
    public async Task Commands_choosing_the_inventory_at_once_leave_one_whole_choice_and_no_temporaries()
    {
        var choices = Enumerable.Range(0, 8)
            .Select(i => new InventorySetting(InventoryKind.Sqlite, Path.Combine(home, $"inventory-{i}.db"), null, null))
            .ToArray();

        for (var round = 0; round < 10; round++)
        {
            using var start = new Barrier(choices.Length);
            await Task.WhenAll(choices.Select(choice => Task.Run(() =>
            {
                start.SignalAndWait();
                choice.Write(home);
            })));

            var read = InventorySetting.Read(home);
            Assert.Contains(read, choices);
            Assert.Equal([InventorySetting.FileName], Directory.GetFiles(home).Select(Path.GetFileName));
        }

        InventorySetting.Clear(home);
        Assert.Null(InventorySetting.Read(home));
        Assert.Empty(Directory.GetFiles(home));
    }
}
