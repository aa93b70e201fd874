using System.Security.Cryptography;
using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The checker can fail: a world set up cleanly passes, and each kind of damage the fault suite looks for, done by
/// hand, is reported under its category.
/// </summary>
public sealed class InvariantCheckerTests : IAsyncLifetime
{
    private FaultWorld world = null!;
    private Snapshot snapshot = null!;
    private SnapshotCopy copy = null!;

    public async Task InitializeAsync()
    {
        world = await FaultWorld.CreateAsync("checker");
        await world.NewVolumeAsync("v");
        await world.WriteAsync("v", 1, new[] { 0, 1, 3 });
        snapshot = await world.SnapshotAsync("v", "s1");
        copy = await world.CopyAsync(snapshot.Id);
    }

    public async Task DisposeAsync() => await world.DisposeAsync();

    [Fact]
    public async Task A_clean_world_passes()
    {
        var report = await InvariantChecker.CheckAsync(world, await world.ReadStateAsync(), CheckMode.NothingDied);
        Assert.Empty(report.Violations);
    }

    [Theory]
    [InlineData("volume bytes", "[visible] volume 'v' (Available) is Available but holds")]
    [InlineData("snapshot bytes", "is Ready but its image is not the volume as it was snapshotted")]
    [InlineData("stray image", "[unknown file] backend/volumes/ghost.img")]
    [InlineData("stray driver temporary", "[unknown file] backend/volumes/.v.img.")]
    [InlineData("stray repository temporary", "is a temporary file no unfinished copy explains")]
    [InlineData("foreign file in tmp", "is not a temporary file of the repository")]
    [InlineData("corrupt chunk", "does not hash to its name")]
    [InlineData("missing manifest", "is Copied but its manifest is missing")]
    [InlineData("decoy touched", "[outside] decoy changed or removed")]
    [InlineData("file beside", "[outside] 'notes.txt' appeared beside")]
    [InlineData("child left a file", "[outside] a child process left")]
    [InlineData("unrecorded passing state", "[journal] volume 'v' is Reverting but no unfinished operation records it")]
    public async Task Each_kind_of_damage_is_reported(string damage, string expected)
    {
        var volumeImage = InvariantChecker.VolumeImage(world, "v");
        switch (damage)
        {
            case "volume bytes":
                FlipByte(volumeImage);
                break;
            case "snapshot bytes":
                FlipByte(InvariantChecker.SnapshotImage(world, "v", snapshot.Id));
                break;
            case "stray image":
                File.WriteAllBytes(Path.Combine(world.BackendPath, "volumes", "ghost.img"), new byte[4096]);
                break;
            case "stray driver temporary":
                File.WriteAllBytes(Path.Combine(world.BackendPath, "volumes", $".v.img.{Guid.NewGuid():N}.tmp"), new byte[4096]);
                break;
            case "stray repository temporary":
                File.WriteAllBytes(Path.Combine(world.RepositoryPath, "tmp", $"{Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant()}.{Guid.NewGuid():N}.tmp"), new byte[16]);
                break;
            case "foreign file in tmp":
                File.WriteAllText(Path.Combine(world.RepositoryPath, "tmp", "notes.txt"), "mine");
                break;
            case "corrupt chunk":
                FlipByte(Directory.EnumerateFiles(Path.Combine(world.RepositoryPath, "chunks"), "*", SearchOption.AllDirectories).First());
                break;
            case "missing manifest":
                File.Delete(Path.Combine(world.RepositoryPath, "manifests", copy.Id + ".manifest"));
                break;
            case "decoy touched":
                FlipByte(Directory.EnumerateFiles(world.Outside.OutsidePath, "*", SearchOption.AllDirectories).First());
                break;
            case "file beside":
                File.WriteAllText(Path.Combine(world.Root, "notes.txt"), "mine");
                break;
            case "child left a file":
                File.WriteAllText(Path.Combine(world.Outside.ChildTemp, "dotnet-diagnostic-1-2-socket"), "");
                break;
            case "unrecorded passing state":
                {
                    var volume = (await world.Engine.Inventory.FindVolumeAsync(FaultOperation.Backend, "v", CancellationToken.None))!;
                    await using var transaction = await world.Engine.Inventory.BeginAsync(CancellationToken.None);
                    await transaction.UpdateVolumeAsync(volume with { State = VolumeState.Reverting }, CancellationToken.None);
                    await transaction.CommitAsync(CancellationToken.None);
                    break;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, "unknown damage");
        }

        var report = await InvariantChecker.CheckAsync(world, await world.ReadStateAsync(), CheckMode.ProcessesDied);

        Assert.Contains(report.Violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    private static void FlipByte(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var offset = Math.Min(100, file.Length - 1);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x5a));
    }
}
