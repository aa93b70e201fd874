using System.Reflection;
using System.Runtime.Loader;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// Runs the module's real resolver (the part of the module initializer that needs no PowerShell) in this process,
/// whose default context plays PowerShell's: it already has its own Newtonsoft.Json (the test SDK's), as a
/// session would after another module loaded one.
/// </summary>
public sealed class IsolationTests
{
    private static readonly object Gate = new();

    [Fact]
    public void The_engine_loads_into_its_own_context_with_its_own_dependencies_and_native_sqlite()
    {
        lock (Gate)
        {
            var cmdlets = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(BuiltModule.Directory, "StorageSnapshot.dll"));
            var resolver = cmdlets.GetType("StorageSnapshot.Commands.Loading.EngineAssemblyResolver", throwOnError: true)!;
            Invoke(resolver, "Register", BuiltModule.Directory);
            try
            {
                // As the cmdlet assembly's first use of an engine type would: the default context cannot find it.
                var engine = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("StorageSnapshot.Engine"));
                var engineContext = AssemblyLoadContext.GetLoadContext(engine)!;
                Assert.NotSame(AssemblyLoadContext.Default, engineContext);
                Assert.Equal(Path.Combine(BuiltModule.DependencyDirectory, "StorageSnapshot.Engine.dll"), engine.Location);

                // The object model is shared: the engine's Snapshot is the cmdlets' Snapshot.
                var sharedFromEngine = engineContext.LoadFromAssemblyName(new AssemblyName("StorageSnapshot.Abstractions"));
                var sharedFromCmdlets = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("StorageSnapshot.Abstractions"));
                Assert.Same(sharedFromCmdlets, sharedFromEngine);

                // Newtonsoft: the engine gets the module's copy even though the default context has another.
                var defaultNewtonsoft = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == "Newtonsoft.Json")
                    ?? AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("Newtonsoft.Json"));
                var engineNewtonsoft = engineContext.LoadFromAssemblyName(new AssemblyName("Newtonsoft.Json"));
                Assert.NotSame(defaultNewtonsoft, engineNewtonsoft);
                Assert.Same(engineContext, AssemblyLoadContext.GetLoadContext(engineNewtonsoft));
                Assert.Equal(Path.Combine(BuiltModule.DependencyDirectory, "Newtonsoft.Json.dll"), engineNewtonsoft.Location);

                // Native SQLite: SQLitePCLRaw's provider P/Invokes "e_sqlite3"; only the context's LoadUnmanagedDll can find it.
                var batteries = engineContext.LoadFromAssemblyName(new AssemblyName("SQLitePCLRaw.batteries_v2"));
                batteries.GetType("SQLitePCL.Batteries_V2", throwOnError: true)!.GetMethod("Init")!.Invoke(null, null);
                var raw = engineContext.LoadFromAssemblyName(new AssemblyName("SQLitePCLRaw.core")).GetType("SQLitePCL.raw", throwOnError: true)!;
                var version = (int)raw.GetMethod("sqlite3_libversion_number")!.Invoke(null, null)!;
                Assert.True(version >= 3_040_000, $"sqlite {version}");

                // Nothing else leaks into the default context.
                Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "StorageSnapshot.Engine" or "Microsoft.Data.Sqlite");
            }
            finally
            {
                Invoke(resolver, "Unregister");
            }
        }
    }

    [Fact]
    public void Native_library_probe_prefers_the_running_platform()
    {
        var cmdlets = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(BuiltModule.Directory, "StorageSnapshot.dll"));
        var probe = cmdlets.GetType("StorageSnapshot.Commands.Loading.NativeLibraryProbe", throwOnError: true)!;
        var found = (string?)probe.GetMethod("Find", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!
            .Invoke(null, [BuiltModule.DependencyDirectory, "e_sqlite3"]);
        Assert.NotNull(found);
        Assert.Contains(Path.Combine("runtimes", OperatingSystem.IsLinux() ? "linux-" : ""), found);
        Assert.True(File.Exists(found));
    }

    private static void Invoke(Type type, string method, params object[] arguments) =>
        type.GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!.Invoke(null, arguments);
}
