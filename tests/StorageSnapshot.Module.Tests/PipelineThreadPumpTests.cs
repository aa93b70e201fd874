using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Loader;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// The cmdlet base class's pump, run for real (it needs no PowerShell): whatever threads the engine writes and
/// asks from, every Write* and every ShouldProcess runs on the thread that called Run (PowerShell's pipeline
/// thread), in order; errors come back as themselves; a failing pipeline cancels the engine and waits for it.
/// The cmdlet side is a recording stand-in for the cmdlet (DispatchProxy over the pump's host interface).
/// </summary>
[Collection(EngineLoadContextCollection.Name)]
public sealed class PipelineThreadPumpTests
{
    private readonly Type pumpType;
    private readonly Type hostType;
    private readonly Type contextType;
    private readonly Type shouldProcessType;

    public PipelineThreadPumpTests(EngineResolverFixture fixture)
    {
        var engine = fixture.Engine;
        var cmdlets = fixture.CmdletAssembly;
        pumpType = cmdlets.GetType("StorageSnapshot.Commands.Cmdlets.PipelineThreadPump", throwOnError: true)!;
        hostType = cmdlets.GetType("StorageSnapshot.Commands.Cmdlets.IPipelineHost", throwOnError: true)!;
        // OperationContext lives in the shared object model; take it as the façade declares it, so the type is the one
        // the loaded engine really binds to.
        contextType = OperationContextOf(engine.GetType("StorageSnapshot.Engine.Facade.StorageSnapshotEngine", throwOnError: true)!);
        shouldProcessType = contextType.GetProperty("ShouldProcess")!.PropertyType;
    }

    /// <summary>The OperationContext type a façade method of <paramref name="engineType"/> takes.</summary>
    internal static Type OperationContextOf(Type engineType) =>
        engineType.GetMethods().SelectMany(m => m.GetParameters()).First(p => p.ParameterType.Name == "OperationContext").ParameterType;

    [Fact]
    public void Messages_and_questions_from_worker_threads_are_handled_on_the_calling_thread_in_order()
    {
        var pipelineThread = Environment.CurrentManagedThreadId;
        var answers = new ConcurrentBag<bool>();
        var host = RecordingHost.Create(hostType);
        var asked = new List<(string Target, int Thread)>();

        var result = Run(host, new CancellationTokenSource(), async context =>
        {
            var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
            {
                for (var i = 0; i < 25; i++)
                {
                    context.Verbose($"w{worker} m{i}");
                    if (i % 10 == 0) answers.Add(context.ShouldProcess($"w{worker} t{i}", "Change"));
                }
            }));
            await Task.WhenAll(workers);
            return 42;
        }, (target, _) =>
        {
            asked.Add((target, Environment.CurrentManagedThreadId));
            return target.EndsWith("t0", StringComparison.Ordinal);
        });

        Assert.Equal(42, result);
        var calls = RecordingHost.Calls(host);
        Assert.Equal(100, calls.Count(c => c.Method == "WriteVerbose"));
        Assert.All(calls, c => Assert.Equal(pipelineThread, c.Thread));
        Assert.All(asked, a => Assert.Equal(pipelineThread, a.Thread));
        Assert.Equal(12, asked.Count);
        Assert.Equal(4, answers.Count(a => a));
        Assert.Equal(8, answers.Count(a => !a));
        // Each worker's own messages keep their order.
        for (var worker = 0; worker < 4; worker++)
        {
            var mine = calls.Where(c => c.Argument.StartsWith($"w{worker} ", StringComparison.Ordinal)).Select(c => c.Argument).ToArray();
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"w{worker} m{i}"), mine);
        }
    }

    [Fact]
    public void The_engines_exception_comes_back_as_itself_after_its_messages()
    {
        var host = RecordingHost.Create(hostType);
        var failure = Assert.Throws<TargetInvocationException>(() => Run<int>(host, new CancellationTokenSource(), async context =>
        {
            context.Verbose("before");
            await Task.Yield();
            throw new InvalidDataException("engine says no");
        }, (_, _) => true));
        Assert.IsType<InvalidDataException>(failure.InnerException);
        Assert.Equal(["before"], RecordingHost.Calls(host).Select(c => c.Argument));
    }

    [Fact]
    public void A_failing_pipeline_cancels_the_engine_waits_for_it_and_answers_no_to_later_questions()
    {
        var host = RecordingHost.Create(hostType, failOn: "stop here");
        var stopping = new CancellationTokenSource();
        var engineFinished = false;
        bool? laterAnswer = null;
        var failure = Assert.Throws<TargetInvocationException>(() => Run(host, stopping, async context =>
        {
            context.Verbose("stop here");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.Token);
            }
            catch (OperationCanceledException)
            {
                laterAnswer = context.ShouldProcess("after the failure", "Change");
            }
            engineFinished = true;
            return 1;
        }, (_, _) => true));

        Assert.IsType<IOException>(failure.InnerException);
        Assert.True(stopping.IsCancellationRequested);
        Assert.True(engineFinished, "Run returned before the engine call finished");
        Assert.False(laterAnswer);
    }

    /// <summary>What the fake engine call sees of its OperationContext.</summary>
    private sealed class Context(object context, Type contextType)
    {
        private readonly object output = contextType.GetProperty("Output")!.GetValue(context)!;
        private readonly MethodInfo writeVerbose = contextType.GetProperty("Output")!.PropertyType.GetMethod("WriteVerbose")!;
        private readonly Delegate shouldProcess = (Delegate)contextType.GetProperty("ShouldProcess")!.GetValue(context)!;

        public CancellationToken Token { get; } = (CancellationToken)contextType.GetProperty("CancellationToken")!.GetValue(context)!;
        public void Verbose(string message) => writeVerbose.Invoke(output, [message]);
        public bool ShouldProcess(string target, string action) => (bool)shouldProcess.DynamicInvoke(target, action)!;
    }

    private T Run<T>(object host, CancellationTokenSource stopping, Func<Context, Task<T>> call, Func<string, string, bool> shouldProcess)
    {
        var pump = Activator.CreateInstance(pumpType, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, null, [host, stopping], null)!;
        // Func<OperationContext, Task<T>> over the engine's own OperationContext type.
        var parameter = Expression.Parameter(contextType);
        var adapt = Expression.Invoke(Expression.Constant(call),
            Expression.New(typeof(Context).GetConstructors().Single(), Expression.Convert(parameter, typeof(object)), Expression.Constant(contextType)));
        var engineCall = Expression.Lambda(typeof(Func<,>).MakeGenericType(contextType, typeof(Task<T>)), adapt, parameter).Compile();
        var callback = Delegate.CreateDelegate(shouldProcessType, shouldProcess.Target, shouldProcess.Method);
        return (T)pumpType.GetMethod("Run")!.MakeGenericMethod(typeof(T)).Invoke(pump, [engineCall, callback])!;
    }

    /// <summary>Stands in for the cmdlet: records each call and the thread it came on; can fail like a stopped pipeline.</summary>
    public class RecordingHost : DispatchProxy
    {
        private readonly ConcurrentQueue<(string Method, string Argument, int Thread)> calls = new();
        private string? failOn;

        public static object Create(Type hostType, string? failOn = null)
        {
            var proxy = DispatchProxy.Create(hostType, typeof(RecordingHost));
            ((RecordingHost)proxy).failOn = failOn;
            return proxy;
        }

        public static IReadOnlyList<(string Method, string Argument, int Thread)> Calls(object host) => ((RecordingHost)host).calls.ToArray();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var argument = args?[0]?.ToString() ?? "";
            calls.Enqueue((targetMethod!.Name, argument, Environment.CurrentManagedThreadId));
            if (argument == failOn) throw new IOException("the pipeline is stopping");
            return null;
        }
    }
}
