using System.Management.Automation;
using System.Runtime.ExceptionServices;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>
/// Runs one engine call on a worker thread while the pipeline thread executes, in order, everything the engine
/// asks of PowerShell: Write* calls and ShouldProcess questions. PowerShell allows WriteObject/WriteVerbose/
/// WriteProgress/WriteError/ShouldProcess only on the pipeline thread, while the engine may call its
/// <see cref="IOperationOutput"/> and <see cref="ShouldProcessCallback"/> from any thread (parallel copies, for
/// example). So the worker only enqueues; <see cref="Run{T}"/> drains the queue until the call completes.
/// </summary>
internal sealed class PipelineThreadPump
{
    private readonly IPipelineHost host;
    private readonly CancellationTokenSource stopping;

    public PipelineThreadPump(IPipelineHost host, CancellationTokenSource stopping)
    {
        this.host = host;
        this.stopping = stopping;
    }

    /// <summary>
    /// Runs <paramref name="call"/> and returns its result (or rethrows its exception) once it has completed and
    /// every message it queued has been written. <paramref name="shouldProcess"/> is asked on the pipeline thread.
    /// </summary>
    public T Run<T>(Func<OperationContext, Task<T>> call, ShouldProcessCallback shouldProcess)
    {
        var queue = new PumpQueue<IPumpRequest>();
        var token = stopping.Token;
        var context = new OperationContext(new QueuedOutput(queue), (target, action) => Ask(queue, target, action, token), token);

        // Task.Run: the engine never runs on the pipeline thread, even for the part before its first await, so a
        // ShouldProcess it asks synchronously cannot deadlock against the drain loop below.
        var work = Task.Run(() => call(context));
        work.ContinueWith(static (_, state) => ((PumpQueue<IPumpRequest>)state!).CompleteAdding(),
            queue, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        ExceptionDispatchInfo? pipelineFailure = null;
        while (queue.TryTake(out var request))
        {
            if (pipelineFailure is not null)
            {
                // The pipeline is going down (Ctrl+C, a downstream error): answer no, drop messages, and let the
                // engine wind down before we leave, so nothing runs on after the engine is disposed.
                request.Abandon();
                continue;
            }
            try
            {
                request.Execute(host, shouldProcess);
            }
            catch (Exception e)
            {
                pipelineFailure = ExceptionDispatchInfo.Capture(e);
                request.Abandon();
                stopping.Cancel();
            }
        }

        // Ctrl+C: the engine's own account of what it stopped (and what it kept) says more than PowerShell's
        // PipelineStoppedException, so the caller gets that; it still ends the pipeline (StorageSnapshotCmdlet.TryRun).
        if (pipelineFailure?.SourceException is PipelineStoppedException && work.Exception?.InnerException is StorageSnapshotException stopped)
            ExceptionDispatchInfo.Capture(stopped).Throw();
        pipelineFailure?.Throw();
        // The queue completes only after the task has, so this never blocks: it unwraps the result or rethrows the
        // engine's exception as itself (not as an AggregateException).
        return work.GetAwaiter().GetResult();
    }

    // A question asked after Ctrl+C (or after the pipeline failed) is answered "no" at once: nothing may change
    // any more, and no prompt may appear for a command that is stopping. The engine sees the cancellation at its
    // next check.
    private static bool Ask(PumpQueue<IPumpRequest> queue, string target, string action, CancellationToken token)
    {
        if (token.IsCancellationRequested) return false;
        var question = new ShouldProcessRequest(target, action);
        if (!TryAdd(queue, question)) return false;
        try
        {
            question.WaitForAnswer(token);
            return question.Answer;
        }
        catch (OperationCanceledException)
        {
            question.Withdraw();
            return false;
        }
    }

    // False when the call already completed (a stray background message after it returned): nobody listens any more.
    private static bool TryAdd(PumpQueue<IPumpRequest> queue, IPumpRequest request) => queue.TryAdd(request);

    private interface IPumpRequest
    {
        void Execute(IPipelineHost host, ShouldProcessCallback shouldProcess);
        void Abandon();
    }

    private sealed class QueuedOutput(PumpQueue<IPumpRequest> queue) : IOperationOutput
    {
        public void WriteVerbose(string message) => TryAdd(queue, new Message(h => h.WriteVerbose(message)));
        public void WriteWarning(string message) => TryAdd(queue, new Message(h => h.WriteWarning(message)));
        public void WriteProgress(ProgressInfo progress) => TryAdd(queue, new Message(h => h.WriteProgress(progress)));
        public void WriteError(StorageSnapshotException error) => TryAdd(queue, new Message(h => h.WriteError(error)));
    }

    private sealed class Message(Action<IPipelineHost> write) : IPumpRequest
    {
        public void Execute(IPipelineHost host, ShouldProcessCallback shouldProcess) => write(host);
        public void Abandon() { }
    }

    // Not disposed on purpose: after a cancelled wait the pipeline thread may still answer it; a
    // ManualResetEventSlim that never handed out its WaitHandle holds no OS resource.
    private sealed class ShouldProcessRequest(string target, string action) : IPumpRequest
    {
        // No spinning: the answer comes from a person or a pipeline thread, never within microseconds.
        private readonly ManualResetEventSlim answered = new(false, spinCount: 0);
        private volatile bool withdrawn;

        public bool Answer { get; private set; }

        public void Execute(IPipelineHost host, ShouldProcessCallback shouldProcess)
        {
            try
            {
                // Nobody waits for the answer to a withdrawn question: do not prompt for it.
                if (!withdrawn) Answer = shouldProcess(target, action);
            }
            finally
            {
                answered.Set();
            }
        }

        public void Abandon()
        {
            Answer = false;
            answered.Set();
        }

        // The engine's ShouldProcessCallback is synchronous by contract, so the worker thread waits here for the
        // pipeline thread's answer; Ctrl+C releases it with OperationCanceledException.
        public void WaitForAnswer(CancellationToken token) => answered.Wait(token);

        public void Withdraw() => withdrawn = true;
    }
}

/// <summary>What the pump writes to: the cmdlet, on its pipeline thread.</summary>
internal interface IPipelineHost
{
    void WriteVerbose(string message);
    void WriteWarning(string message);
    void WriteProgress(ProgressInfo progress);
    void WriteError(StorageSnapshotException error);
}
