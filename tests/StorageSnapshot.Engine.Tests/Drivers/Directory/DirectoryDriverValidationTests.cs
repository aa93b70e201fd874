using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.Directory;

/// <summary>The directory driver's descriptor, property schema and backend validation: one sentence per problem.</summary>
public sealed class DirectoryDriverValidationTests : IDisposable
{
    private readonly DirectoryDriver driver = new();
    private readonly string scratch = System.IO.Directory.CreateTempSubdirectory("storagesnapshot-validation-").FullName;

    [Fact]
    public void DescriptorDeclaresEveryCapabilityARequiredPathAndAnOptionalMode()
    {
        Assert.Equal("directory", driver.Descriptor.Name);
        Assert.Equal(
            DriverCapabilities.CreateVolume | DriverCapabilities.Snapshot | DriverCapabilities.Revert | DriverCapabilities.Clone
            | DriverCapabilities.Delete | DriverCapabilities.ReadSnapshot | DriverCapabilities.WriteVolume | DriverCapabilities.ChangedRanges,
            driver.Descriptor.Capabilities);
        Assert.Equal(2, driver.Descriptor.Schema.Properties.Count);
        var path = driver.Descriptor.Schema.Properties[0];
        Assert.Equal(("Path", PropertyType.Path, true, true), (path.Name, path.Type, path.Required, path.LocatesData));
        var mode = driver.Descriptor.Schema.Properties[1];
        Assert.Equal(("Mode", PropertyType.String, false, false, false), (mode.Name, mode.Type, mode.Required, mode.LocatesData, mode.Secret));
    }

    [Fact]
    public void TheSchemaRefusesARelativePathAndAMissingOne()
    {
        var relative = driver.Descriptor.Schema.Normalize(new Dictionary<string, object?> { ["Path"] = "relative/dir" });
        var missing = driver.Descriptor.Schema.Normalize(new Dictionary<string, object?>());

        Assert.Equal("Property 'Path' must be an absolute path; got 'relative/dir'.", Assert.Single(relative.Problems));
        Assert.StartsWith("Property 'Path' is required", Assert.Single(missing.Problems));
    }

    [Fact]
    public async Task AMissingDirectoryIsOneProblem()
    {
        var missing = Path.Combine(scratch, "nope");

        var problems = await driver.ValidateBackendAsync(Properties(missing), CancellationToken.None);

        Assert.Equal($"Property 'Path': the directory '{missing}' does not exist.", Assert.Single(problems));
        Assert.False(System.IO.Directory.Exists(missing));
    }

    [Fact]
    public async Task AFileIsNotADirectory()
    {
        var file = Path.Combine(scratch, "file.txt");
        await File.WriteAllTextAsync(file, "x");

        var problems = await driver.ValidateBackendAsync(Properties(file), CancellationToken.None);

        Assert.Equal($"Property 'Path': '{file}' is a file, not a directory.", Assert.Single(problems));
    }

    [Fact]
    public async Task AWritableDirectoryPassesAndIsLeftAsItWas()
    {
        var problems = await driver.ValidateBackendAsync(Properties(scratch), CancellationToken.None);

        Assert.Empty(problems);
        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(scratch));
    }

    [IntegrationFact(needsRoot: true, "mount", "umount")]
    public async Task AReadOnlyDirectoryIsNotWritable()
    {
        // Root ignores permission bits, so a read-only mount is the honest way to get an unwritable directory.
        var readOnly = System.IO.Directory.CreateDirectory(Path.Combine(scratch, "ro")).FullName;
        LoopFilesystem.Run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "storagesnapshot-ro", readOnly);
        try
        {
            var problems = await driver.ValidateBackendAsync(Properties(readOnly), CancellationToken.None);

            var problem = Assert.Single(problems);
            Assert.StartsWith($"Property 'Path': the directory '{readOnly}' is not writable: ", problem);
            Assert.Contains("Read-only file system", problem);
        }
        finally
        {
            LoopFilesystem.Run("umount", readOnly);
        }
    }

    [Fact]
    public async Task OpeningAMissingDirectoryFailsNamingIt()
    {
        var missing = Path.Combine(scratch, "gone");

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => driver.OpenBackendAsync("lab", Properties(missing), CancellationToken.None));

        Assert.Contains(missing, error.Message);
    }

    public void Dispose() => System.IO.Directory.Delete(scratch, recursive: true);

    private static IReadOnlyDictionary<string, string> Properties(string path) =>
        new Dictionary<string, string> { [DirectoryDriver.PathProperty] = path };
}
