using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// Whether integration tests (root, loop devices, external tools, services) must run. Outside CI they skip
/// with a reason; .ci/run sets STORAGESNAPSHOT_INTEGRATION=required, and then a missing prerequisite fails the
/// test instead of skipping it, so CI can never pass with integration tests silently skipped.
/// </summary>
public static class Integration
{
    /// <summary>The environment variable .ci/run sets.</summary>
    public const string Variable = "STORAGESNAPSHOT_INTEGRATION";

    /// <summary>True under .ci/run.</summary>
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable(Variable), "required", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the process runs as root (loop devices, mount).</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && geteuid() == 0;

    /// <summary>True when <paramref name="tool"/> is an executable on PATH.</summary>
    public static bool HasTool(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/usr/sbin", "/sbin" })
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>
    /// Inside an integration test: fails with <paramref name="reason"/> when <paramref name="available"/> is
    /// false (the attribute already skipped the test outside CI, so reaching here means it is required).
    /// </summary>
    public static void Require(bool available, string reason)
    {
        if (!available) Assert.Fail($"{Variable}=required but: {reason}");
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>
/// A fact that needs root and the named tools (mkfs.xfs, losetup, ...). Outside CI it is skipped with the
/// reason; with STORAGESNAPSHOT_INTEGRATION=required it always runs, and fails if the prerequisites are missing.
/// </summary>
public sealed class IntegrationFactAttribute : FactAttribute
{
    /// <summary>Declares the prerequisites.</summary>
    public IntegrationFactAttribute(bool needsRoot, params string[] tools)
    {
        if (Integration.Required) return;
        if (needsRoot && !Integration.IsRoot) Skip = "needs root (set STORAGESNAPSHOT_INTEGRATION=required to make this a failure)";
        else if (tools.FirstOrDefault(t => !Integration.HasTool(t)) is { } missing)
            Skip = $"needs '{missing}' on PATH (set STORAGESNAPSHOT_INTEGRATION=required to make this a failure)";
    }
}
