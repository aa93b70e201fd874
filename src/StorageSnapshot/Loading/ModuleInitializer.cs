using System.Management.Automation;

namespace StorageSnapshot.Commands.Loading;

/// <summary>
/// Runs when PowerShell imports the module, before any cmdlet: teaches the default load context where the engine
/// is (see <see cref="EngineAssemblyResolver"/>). It does no I/O beyond locating its own folder.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <inheritdoc />
    public void OnImport()
    {
        var directory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
        if (!string.IsNullOrEmpty(directory)) EngineAssemblyResolver.Register(directory);
    }

    /// <inheritdoc />
    public void OnRemove(PSModuleInfo psModuleInfo) => EngineAssemblyResolver.Unregister();
}
