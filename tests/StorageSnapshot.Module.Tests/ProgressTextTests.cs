using System.Reflection;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>The progress bar's status line: bytes, percent and throughput in binary units whatever the engine said, else its words.</summary>
[Collection(EngineLoadContextCollection.Name)]
public sealed class ProgressTextTests(EngineResolverFixture fixture)
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(512L, "512 B")]
    [InlineData(1093L, "1 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(1L << 20, "1 MiB")]
    [InlineData((1L << 20) * 1023 + (1L << 19), "1023 MiB")]
    [InlineData(5L << 30, "5 GiB")]
    [InlineData((3L << 40) / 2, "1.5 TiB")]
    public void Sizes_are_in_binary_units(long bytes, string expected)
    {
        var format = fixture.CmdletAssembly.GetType("StorageSnapshot.Commands.Cmdlets.ByteSize", throwOnError: true)!.GetMethod("Format")!;
        Assert.Equal(expected, format.Invoke(null, [bytes]));
    }

    [Theory]
    [InlineData("Copying", 1L << 30, 4L << 30, 600e6, "1 GiB of 4 GiB (25%), 572 MiB/s")]
    [InlineData("Hashing", 1L << 20, 0L, 0d, "1 MiB")]
    [InlineData("1 GiB of 4 GiB, 620 MB/s", 1L << 30, 4L << 30, 620e6, "1 GiB of 4 GiB (25%), 591 MiB/s")]
    [InlineData("Verifying", 0L, 0L, 0d, "Verifying")]
    [InlineData("", 0L, 0L, 0d, "Working")]
    public void Status_says_bytes_percent_and_throughput_in_binary_units(string status, long done, long total, double rate, string expected)
    {
        var abstractions = fixture.Engine.GetReferencedAssemblies().Single(a => a.Name == "StorageSnapshot.Abstractions");
        var infoType = Assembly.Load(abstractions).GetType("StorageSnapshot.ProgressInfo", throwOnError: true)!;
        var info = Activator.CreateInstance(infoType)!;
        infoType.GetProperty("Activity")!.SetValue(info, "Copy");
        infoType.GetProperty("Status")!.SetValue(info, status);
        infoType.GetProperty("BytesDone")!.SetValue(info, done);
        infoType.GetProperty("BytesTotal")!.SetValue(info, total);
        infoType.GetProperty("BytesPerSecond")!.SetValue(info, rate);
        var text = fixture.CmdletAssembly.GetType("StorageSnapshot.Commands.Cmdlets.ProgressRecords", throwOnError: true)!
            .GetMethod("Status", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [info]);
        Assert.Equal(expected, text);
    }
}
