using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// Runs the module's real resolver (the part of the module initializer that needs no PowerShell) in this process,
/// whose default context plays PowerShell's: it already has its own Newtonsoft.Json (the test SDK's), as a
/// session would after another module loaded one.
/// </summary>
[Collection(EngineLoadContextCollection.Name)]
public sealed class IsolationTests(EngineResolverFixture fixture)
{
    [Fact]
    public void The_engine_loads_into_its_own_context_with_its_own_dependencies_and_native_sqlite()
    {
        // The cmdlet assembly's first use of an engine type does this: the default context cannot find the engine.
        var engine = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("StorageSnapshot.Engine"));
        var engineContext = AssemblyLoadContext.GetLoadContext(engine)!;
        Assert.NotSame(AssemblyLoadContext.Default, engineContext);
        Assert.Equal(Path.Combine(EngineImageDirectory, "StorageSnapshot.Engine.dll"), engine.Location);

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
        Assert.Equal(Path.Combine(EngineImageDirectory, "Newtonsoft.Json.dll"), engineNewtonsoft.Location);

        // Native SQLite: SQLitePCLRaw's provider P/Invokes "e_sqlite3"; only the context's LoadUnmanagedDll can find it.
        var batteries = engineContext.LoadFromAssemblyName(new AssemblyName("SQLitePCLRaw.batteries_v2"));
        batteries.GetType("SQLitePCL.Batteries_V2", throwOnError: true)!.GetMethod("Init")!.Invoke(null, null);
        var raw = engineContext.LoadFromAssemblyName(new AssemblyName("SQLitePCLRaw.core")).GetType("SQLitePCL.raw", throwOnError: true)!;
        var version = (int)raw.GetMethod("sqlite3_libversion_number")!.Invoke(null, null)!;
        Assert.True(version >= 3_040_000, $"sqlite {version}");

        // Nothing else leaks into the default context.
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "StorageSnapshot.Engine" or "Microsoft.Data.Sqlite" or "SQLitePCLRaw.core");
    }

    [Fact]
    public async Task The_isolated_engine_keeps_an_inventory_and_snapshots_a_volume()
    {
        // The whole path the cmdlets take, minus PowerShell: open the engine (SQLite through the isolated
        // context's native library), register a directory backend, create a volume, snapshot it, list it.
        var engineContext = fixture.EngineContext;
        var work = Directory.CreateTempSubdirectory("storagesnapshot-module-tests-");
        try
        {
            var facade = engineContext.Assemblies.Single(a => a.GetName().Name == "StorageSnapshot.Engine");
            var optionsType = facade.GetType("StorageSnapshot.Engine.Facade.EngineOptions", throwOnError: true)!;
            var options = Activator.CreateInstance(optionsType)!;
            optionsType.GetProperty("HomeDirectory")!.SetValue(options, Path.Combine(work.FullName, "home"));
            var engineType = facade.GetType("StorageSnapshot.Engine.Facade.StorageSnapshotEngine", throwOnError: true)!;
            var engine = await Call(engineType.GetMethod("OpenAsync")!.Invoke(null, [options, CancellationToken.None]));
            try
            {
                var context = PipelineThreadPumpTests.OperationContextOf(engineType).GetMethod("Unattended")!.Invoke(null, [CancellationToken.None])!;
                object Request(string name, params object?[] arguments) =>
                    Activator.CreateInstance(facade.GetType("StorageSnapshot.Engine.Facade." + name, throwOnError: true)!, arguments)!;
                Task<object?> Use(string method, object request) => Call(engineType.GetMethod(method)!.Invoke(engine, [request, context]));

                var volumes = Directory.CreateDirectory(Path.Combine(work.FullName, "volumes")).FullName;
                var properties = new Dictionary<string, object?> { ["Path"] = volumes };
                await Use("RegisterBackendAsync", Request("RegisterBackendRequest", "lab", "directory", properties));
                var volume = await Use("NewVolumeAsync", Request("NewVolumeRequest", "lab", "v1", 1L << 20));
                var selector = facade.GetType("StorageSnapshot.Engine.Facade.VolumeSelector")!.GetMethod("Of")!.Invoke(null, [volume]);
                var snapshot = await Use("NewSnapshotAsync", Request("NewSnapshotRequest", selector));

                Assert.Equal("Ready", snapshot!.GetType().GetProperty("State")!.GetValue(snapshot)!.ToString());
                Assert.True(File.Exists((string)volume!.GetType().GetProperty("Location")!.GetValue(volume)!));
                Assert.True(File.Exists(Path.Combine(work.FullName, "home", "inventory.db")));
                // The engine's Snapshot type is the one the cmdlets see: loaded once, in the default context.
                Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(snapshot.GetType().Assembly));
            }
            finally
            {
                await ((IAsyncDisposable)engine!).DisposeAsync();
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public void Native_library_probe_prefers_the_running_platform()
    {
        var probe = fixture.CmdletAssembly.GetType("StorageSnapshot.Commands.Loading.NativeLibraryProbe", throwOnError: true)!;
        var found = (string?)probe.GetMethod("Find", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!
            .Invoke(null, [BuiltModule.DependencyDirectory, "e_sqlite3"]);
        Assert.NotNull(found);
        Assert.Contains(Path.Combine("runtimes", OperatingSystem.IsLinux() ? "linux-" : ""), found);
        Assert.True(File.Exists(found));
    }

    /// <summary>
    /// Where the engine's assemblies load from in this test run. The tests build the module as tests/run.sh does, in
    /// Release, which on linux-x64 ships ReadyToRun images for .NET 10 — the runtime these tests run on — and the
    /// context must prefer them; a Debug build ships none (and removes those of an earlier Release build).
    /// </summary>
    private static string EngineImageDirectory =>
#if DEBUG
        BuiltModule.DependencyDirectory;
#else
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? Path.Combine(BuiltModule.DependencyDirectory, "ReadyToRun", $"net{Environment.Version.Major}.0-linux-x64")
            : BuiltModule.DependencyDirectory;
#endif

    [Fact]
    public void ReadyToRun_images_are_chosen_by_the_running_runtime_and_can_be_switched_off()
    {
        var images = fixture.CmdletAssembly.GetType("StorageSnapshot.Commands.Loading.ReadyToRunImages", throwOnError: true)!;
        string? FolderFor(string dependencies) =>
            (string?)images.GetMethod("FolderFor", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [dependencies]);
        var thisRuntime = (string)images.GetMethod("RuntimeFolderName", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, null)!;
        Assert.StartsWith($"net{Environment.Version.Major}.0-", thisRuntime, StringComparison.Ordinal);

        var work = Directory.CreateTempSubdirectory("storagesnapshot-module-tests-");
        try
        {
            // Images for another runtime only (PowerShell 7.4's .NET 8 here): the IL is loaded.
            var dependencies = Directory.CreateDirectory(Path.Combine(work.FullName, "dependencies")).FullName;
            Directory.CreateDirectory(Path.Combine(dependencies, "ReadyToRun", "net8.0-linux-x64"));
            Assert.Null(FolderFor(dependencies));

            var ours = Directory.CreateDirectory(Path.Combine(dependencies, "ReadyToRun", thisRuntime)).FullName;
            Assert.Equal(ours, FolderFor(dependencies));

            var variable = (string)images.GetField("SwitchVariable", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;
            Environment.SetEnvironmentVariable(variable, "0");
            try
            {
                Assert.Null(FolderFor(dependencies));
            }
            finally
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Awaits a Task or Task&lt;T&gt; returned through reflection and gives its result.</summary>
    private static async Task<object?> Call(object? task)
    {
        await (Task)task!;
        return task.GetType().GetProperty("Result")?.GetValue(task);
    }

}
