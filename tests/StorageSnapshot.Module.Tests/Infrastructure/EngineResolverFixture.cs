using System.Reflection;
using System.Runtime.Loader;

namespace StorageSnapshot.Module.Tests.Infrastructure;

/// <summary>
/// Does in this process what the module initializer does in PowerShell on Import-Module: loads the built cmdlet
/// assembly into the default context and registers its engine resolver, for as long as the tests that need it
/// run (as in PowerShell, where it stays registered until Remove-Module: the runtime asks again for every
/// assembly that references the engine).
/// </summary>
public sealed class EngineResolverFixture : IDisposable
{
    private readonly Type resolver;

    public EngineResolverFixture()
    {
        CmdletAssembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(BuiltModule.Directory, "StorageSnapshot.dll"));
        resolver = CmdletAssembly.GetType("StorageSnapshot.Commands.Loading.EngineAssemblyResolver", throwOnError: true)!;
        Invoke("Register", BuiltModule.Directory);
        Engine = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("StorageSnapshot.Engine"));
    }

    /// <summary>The module's cmdlet assembly, loaded (for execution) in the default context.</summary>
    public Assembly CmdletAssembly { get; }

    /// <summary>The engine, as the default context resolved it (through the module's resolver).</summary>
    public Assembly Engine { get; }

    /// <summary>The engine's isolated context.</summary>
    public AssemblyLoadContext EngineContext => AssemblyLoadContext.GetLoadContext(Engine)!;

    public void Dispose() => Invoke("Unregister");

    private void Invoke(string method, params object[] arguments) =>
        resolver.GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!.Invoke(null, arguments);
}

/// <summary>Tests that run the module's code in this process share one resolver registration, one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class EngineLoadContextCollection : ICollectionFixture<EngineResolverFixture>
{
    public const string Name = "Engine load context";
}
