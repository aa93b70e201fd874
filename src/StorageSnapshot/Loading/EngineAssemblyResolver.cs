using System.Reflection;
using System.Runtime.Loader;

namespace StorageSnapshot.Commands.Loading;

/// <summary>
/// Resolves exactly two names for PowerShell's default context: the engine (into the isolated
/// <see cref="EngineLoadContext"/> over <c>dependencies/</c>) and the shared object model (from the module folder,
/// into the default context, in case the host did not already find it next to the cmdlet assembly).
/// Every other name is left to whoever else handles it. Kept free of System.Management.Automation so that
/// host-free tests can exercise it.
/// </summary>
internal static class EngineAssemblyResolver
{
    /// <summary>The engine's assembly name: the only thing the cmdlets load from dependencies/.</summary>
    internal const string EngineAssemblyName = "StorageSnapshot.Engine";

    private static readonly object Gate = new();
    private static string? moduleDirectory;
    // One per process on purpose: an assembly can be loaded into a context once, and the default context keeps
    // handing out what this one loaded even after Remove-Module, so a re-import must find the same context.
    private static EngineLoadContext? engineContext;
    private static bool registered;

    /// <summary>The engine's context, once something asked for the engine.</summary>
    internal static AssemblyLoadContext? Context => engineContext;

    /// <summary>Starts resolving for the module in <paramref name="directory"/> (the cmdlet assembly's folder).</summary>
    internal static void Register(string directory)
    {
        lock (Gate)
        {
            moduleDirectory = directory;
            if (registered) return;
            AssemblyLoadContext.Default.Resolving += OnResolving;
            registered = true;
        }
    }

    /// <summary>Stops resolving (Remove-Module).</summary>
    internal static void Unregister()
    {
        lock (Gate)
        {
            if (!registered) return;
            AssemblyLoadContext.Default.Resolving -= OnResolving;
            registered = false;
        }
    }

    private static Assembly? OnResolving(AssemblyLoadContext context, AssemblyName name)
    {
        var directory = moduleDirectory;
        if (directory is null) return null;
        if (string.Equals(name.Name, EngineAssemblyName, StringComparison.OrdinalIgnoreCase))
        {
            EngineLoadContext engine;
            lock (Gate) engine = engineContext ??= new EngineLoadContext(directory);
            return engine.LoadFromAssemblyName(name);
        }
        if (string.Equals(name.Name, EngineLoadContext.SharedAssemblyName, StringComparison.OrdinalIgnoreCase))
        {
            var path = Path.Combine(directory, EngineLoadContext.SharedAssemblyName + ".dll");
            return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
        }
        return null;
    }
}
