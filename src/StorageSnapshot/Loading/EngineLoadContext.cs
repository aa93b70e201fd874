using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace StorageSnapshot.Commands.Loading;

/// <summary>
/// The isolated context the engine runs in. It loads the engine and everything the engine depends on
/// (Microsoft.Data.Sqlite, SQLitePCLRaw, Newtonsoft.Json, ...) from the module's <c>dependencies/</c> folder, so
/// another module's copy of the same assemblies in PowerShell's default context neither breaks us nor is broken
/// by us. Where the module has precompiled images for the running runtime (<see cref="ReadyToRunImages"/>), those
/// copies are loaded instead of the IL. Only the shared object model (StorageSnapshot.Abstractions) is deferred to
/// the default context, so the cmdlets and the engine see the very same Snapshot/Volume/... types.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    /// <summary>Assemblies both sides must share: resolved by the default context, never loaded twice.</summary>
    internal const string SharedAssemblyName = "StorageSnapshot.Abstractions";

    private readonly string moduleDirectory;
    private readonly string dependencyDirectory;
    // Precompiled copies of dependencies/ for this runtime (ReadyToRunImages says why), or null.
    private readonly string? readyToRunDirectory;

    public EngineLoadContext(string moduleDirectory)
        : base("StorageSnapshot.Engine", isCollectible: false)
    {
        this.moduleDirectory = moduleDirectory;
        dependencyDirectory = Path.Combine(moduleDirectory, "dependencies");
        readyToRunDirectory = ReadyToRunImages.FolderFor(dependencyDirectory);
    }

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.Equals(assemblyName.Name, SharedAssemblyName, StringComparison.OrdinalIgnoreCase)) return SharedAssembly();
        var fileName = assemblyName.Name + ".dll";
        if (readyToRunDirectory is not null && File.Exists(Path.Combine(readyToRunDirectory, fileName)))
            return LoadFromAssemblyPath(Path.Combine(readyToRunDirectory, fileName));
        var path = Path.Combine(dependencyDirectory, fileName);
        // Anything not shipped in dependencies/ (System.*, the framework) comes from the default context.
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// The object model, from the default context: the copy already loaded there (by the cmdlet assembly), or the
    /// module's own file loaded into it, so that there is exactly one Snapshot type whoever asks first.
    /// </summary>
    private Assembly SharedAssembly() =>
        Default.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, SharedAssemblyName, StringComparison.OrdinalIgnoreCase))
        ?? Default.LoadFromAssemblyPath(Path.Combine(moduleDirectory, SharedAssemblyName + ".dll"));

    /// <summary>
    /// PowerShell's RID probing does not apply inside a custom context, so native libraries are found here.
    /// SQLitePCLRaw 3.x's provider P/Invokes <c>[DllImport("e_sqlite3")]</c> (no resolver of its own), so the
    /// runtime asks this context for "e_sqlite3" and we answer with
    /// <c>dependencies/runtimes/&lt;rid&gt;/native/libe_sqlite3.so</c> (.dylib on macOS, e_sqlite3.dll on Windows).
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = NativeLibraryProbe.Find(dependencyDirectory, unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
