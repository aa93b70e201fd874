using System.Diagnostics;
using System.Globalization;

namespace StorageSnapshot.Benchmarks.S3;

/// <summary>Wall-clock time and CPU time of one step: the client's (this process, or the children it waited for) and the gateway's.</summary>
internal sealed record StepCost(TimeSpan Wall, TimeSpan ClientCpu, TimeSpan GatewayCpu);

/// <summary>
/// Where the CPU of a step goes on this 2-core machine, where the client and the RADOS Gateway share the cores: the
/// client is this process (a store-level step) or the children it ran and waited for (rclone, pwsh; from the
/// cutime/cstime of /proc/self/stat), the gateway is the radosgw and ceph-osd processes whose PIDs ceph.sh recorded
/// (none found: reported as zero).
/// </summary>
internal sealed class CpuMeter
{
    private readonly int[] _gatewayPids;

    private CpuMeter(int[] gatewayPids) => _gatewayPids = gatewayPids;

    /// <summary>The gateway's processes from <c>$STORAGESNAPSHOT_CEPH_DIR/pids</c> (radosgw and OSDs).</summary>
    public static CpuMeter ForCephGateway()
    {
        var directory = Path.Combine(Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_DIR") is { Length: > 0 } d ? d : "/tmp/storagesnapshot-ceph-cluster", "pids");
        var pids = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.pid")
                .Where(f => Path.GetFileName(f).StartsWith("client.rgw.", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("osd.", StringComparison.Ordinal))
                .Select(f => int.TryParse(File.ReadAllText(f).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
                .Where(pid => pid > 0 && File.Exists($"/proc/{pid}/stat")).ToArray()
            : [];
        return new CpuMeter(pids);
    }

    /// <summary>Whether the gateway's processes were found.</summary>
    public bool SeesGateway => _gatewayPids.Length > 0;

    /// <summary>Runs <paramref name="step"/> and measures it; <paramref name="clientIsChild"/>: the client is a child process.</summary>
    public async Task<StepCost> MeasureAsync(bool clientIsChild, Func<Task> step)
    {
        var (self0, children0) = Own();
        var gateway0 = Gateway();
        var clock = Stopwatch.StartNew();
        await step();
        var wall = clock.Elapsed;
        var (self1, children1) = Own();
        var gateway1 = Gateway();
        return new StepCost(wall, clientIsChild ? children1 - children0 : self1 - self0, gateway1 - gateway0);
    }

    public Task<StepCost> MeasureAsync(bool clientIsChild, Action step) => MeasureAsync(clientIsChild, () =>
    {
        step();
        return Task.CompletedTask;
    });

    private static (TimeSpan Self, TimeSpan Children) Own()
    {
        var fields = StatFields("self");
        using var process = Process.GetCurrentProcess();
        return (process.TotalProcessorTime, Ticks(fields[13]) + Ticks(fields[14]));
    }

    private TimeSpan Gateway()
    {
        var total = TimeSpan.Zero;
        foreach (var pid in _gatewayPids)
        {
            try
            {
                var fields = StatFields(pid.ToString(CultureInfo.InvariantCulture));
                total += Ticks(fields[11]) + Ticks(fields[12]);
            }
            catch (IOException)
            {
                // The daemon went away: its CPU is no longer counted.
            }
        }
        return total;
    }

    /// <summary>The fields of /proc/PID/stat after the command name (field 3, the state, is index 0).</summary>
    private static string[] StatFields(string pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>Clock ticks of /proc (USER_HZ, 100 on Linux).</summary>
    private static TimeSpan Ticks(string value) => TimeSpan.FromMilliseconds(long.Parse(value, CultureInfo.InvariantCulture) * 10);
}
