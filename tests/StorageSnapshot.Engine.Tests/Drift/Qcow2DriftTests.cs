using StorageSnapshot.Engine.Drivers.Qcow2;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drift;

/// <summary>Drift detection and repair on qcow2 images (real qemu-img chains in a temporary directory).</summary>
[IntegrationRequirements(needsRoot: false, "qemu-img")]
public sealed class Qcow2DriftTests : DriftScenarios
{
    protected override string DriverName => Qcow2Driver.DriverName;

    protected override string CreateRoot() => Directory.CreateTempSubdirectory("storagesnapshot-drift-qcow2-").FullName;

    protected override void LeaveLeftover(string volumeName)
    {
        var images = Path.Combine(BackendPath, "images");
        Directory.CreateDirectory(images);
        File.WriteAllBytes(Path.Combine(images, Qcow2Layout.TemporaryFor(volumeName + Qcow2Layout.Extension)), new byte[4096]);
    }
}
