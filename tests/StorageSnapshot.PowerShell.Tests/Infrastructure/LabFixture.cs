namespace StorageSnapshot.PowerShell.Tests.Infrastructure;

/// <summary>One lab session shared by the tests of a class (see <see cref="PowerShellSession.StartWithLab"/>).</summary>
public sealed class LabFixture : IDisposable
{
    public PowerShellSession Session { get; } = PowerShellSession.StartWithLab();

    public void Dispose() => Session.Dispose();
}
