using System.Management.Automation;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>
/// Base of every StorageSnapshot cmdlet: opens the engine on first use and closes it when the command ends,
/// owns the command's cancellation (Ctrl+C → <see cref="StopProcessing"/> → the engine's token), runs engine
/// calls through the <see cref="PipelineThreadPump"/>, and turns engine errors into error records.
/// </summary>
public abstract class StorageSnapshotCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private PipelineThreadPump? pump;
    private StorageSnapshotEngine? engine;
    private object? currentTarget;
    private bool disposed;

    private PipelineThreadPump Pump => pump ??= new PipelineThreadPump(new CmdletHost(this), stopping);

    /// <summary>
    /// The activity id of an overall progress bar the cmdlet shows (Copy-SnapshotToSecondary's "snapshot 2 of 5"),
    /// or -1: the engine's progress records without a parent of their own are shown under it.
    /// </summary>
    private protected int ProgressParentId { get; set; } = -1;

    /// <summary>
    /// Runs one engine call for one item. On success returns true with the call's result; an engine error about
    /// the item is written as a non-terminating error (the pipeline goes on with the next item) and false is
    /// returned. Only an unusable inventory stops the command, since then nothing else can proceed.
    /// </summary>
    /// <param name="call">The engine use case.</param>
    /// <param name="target">The item being processed (the error record's target when the engine names none).</param>
    /// <param name="result">The call's result.</param>
    /// <param name="shouldProcess">Whom the engine asks before a change; plain ShouldProcess when null.</param>
    private protected bool TryRun<T>(Func<StorageSnapshotEngine, OperationContext, Task<T>> call, object? target, out T result,
        ShouldProcessCallback? shouldProcess = null) =>
        TryRunCore(() =>
        {
            var opened = OpenEngine(); // on the pipeline thread, before the call (it runs the pump itself)
            return context => call(opened, context);
        }, target, out result, shouldProcess);

    /// <summary>
    /// <see cref="TryRun{T}"/> for a use case that must not open the inventory in use first (choosing another one:
    /// the one in use may be the one that is unreachable).
    /// </summary>
    private protected bool TryRunWithoutEngine<T>(Func<OperationContext, Task<T>> call, object? target, out T result,
        ShouldProcessCallback? shouldProcess = null) =>
        TryRunCore(() => call, target, out result, shouldProcess);

    private bool TryRunCore<T>(Func<Func<OperationContext, Task<T>>> prepare, object? target, out T result, ShouldProcessCallback? shouldProcess)
    {
        currentTarget = target;
        try
        {
            var call = prepare();
            result = Pump.Run(call, shouldProcess ?? ShouldProcess);
            return true;
        }
        catch (InventoryUnavailableException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, target));
        }
        catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.OperationCancelled && stopping.IsCancellationRequested)
        {
            ReportStopped(e, target);
            throw new PipelineStoppedException();
        }
        catch (StorageSnapshotException e)
        {
            WriteError(ErrorRecords.From(e, target));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            currentTarget = null;
        }
        result = default!;
        return false;
    }

    /// <summary>
    /// Ctrl+C stopped an operation that had started: says what happened, what was kept and how to resume, as a
    /// terminating OperationStopped error record. PowerShell lets no Write* through once the pipeline is stopping,
    /// so the record goes where the user and scripts find it anyway: into $Error (first), and onto the host's error
    /// output. A Ctrl+C before any operation started (a look-up) stays a plain stop: nothing was changed.
    /// </summary>
    private void ReportStopped(StorageSnapshotException stopped, object? target)
    {
        var record = new ErrorRecord(new OperationStoppedException(stopped), ErrorIds.OperationStopped + "," + GetType().FullName,
            ErrorCategory.OperationStopped, stopped.Target ?? target)
        {
            ErrorDetails = new ErrorDetails(stopped.Message) { RecommendedAction = PowerShellAdvice.For(stopped) ?? "" },
        };
        try
        {
            if (SessionState.PSVariable.GetValue("global:Error") is System.Collections.ArrayList errors) errors.Insert(0, record);
            var action = PowerShellAdvice.For(stopped) is { Length: > 0 } advice ? " " + advice : "";
            Host?.UI?.WriteErrorLine($"{MyInvocation.MyCommand.Name}: Stopped (OperationStopped). {stopped.Message}{action}");
        }
        catch (Exception e) when (e is PipelineStoppedException or InvalidOperationException or NotImplementedException)
        {
            // A host without an error output: $Error still has the record.
        }
    }

    /// <summary>
    /// ShouldProcess for the cmdlets with -Force (ConfirmImpact High): -Force skips the confirmation prompt, but
    /// -WhatIf (the switch or $WhatIfPreference) still only reports, and an explicit -Confirm still asks.
    /// </summary>
    private protected bool ShouldProcessUnlessForced(string target, string action, bool force)
    {
        if (force && !IsRequested("WhatIf", "WhatIfPreference") && !IsExplicitlyRequested("Confirm"))
        {
            WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\" (-Force: not confirmed).");
            return true;
        }
        return ShouldProcess(target, action);
    }

    /// <summary>Cancels the engine call in progress (Ctrl+C). Called by PowerShell on another thread.</summary>
    protected override void StopProcessing()
    {
        try
        {
            stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The command already finished and was disposed: nothing left to stop.
        }
    }

    /// <summary>Closes the engine at the end of the command.</summary>
    protected override void EndProcessing()
    {
        if (engine is null) return;
        var closing = engine;
        engine = null;
        Pump.Run(async _ =>
        {
            await closing.DisposeAsync().ConfigureAwait(false);
            return true;
        }, static (_, _) => false);
    }

    /// <summary>Closes the engine when the command ended without <see cref="EndProcessing"/> (error, Ctrl+C).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (engine is not null)
        {
            // Dispose is synchronous by contract and may run on any thread; closing the inventory is short.
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            engine = null;
        }
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    private StorageSnapshotEngine OpenEngine()
    {
        if (engine is not null) return engine;
        try
        {
            engine = Pump.Run(context => StorageSnapshotEngine.OpenAsync(EngineOptions.FromEnvironment(), context.CancellationToken),
                static (_, _) => false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InventoryUnavailableException($"The StorageSnapshot inventory could not be opened: {e.Message}", e)
            {
                RecommendedAction = $"Check that ${EngineOptions.HomeVariable} (or the per-user data folder) is a writable local folder.",
            };
        }
        return engine;
    }

    private bool IsRequested(string parameter, string preferenceVariable) =>
        MyInvocation.BoundParameters.TryGetValue(parameter, out var bound)
            ? IsTrue(bound)
            : LanguagePrimitives.IsTrue(GetVariableValue(preferenceVariable));

    private bool IsExplicitlyRequested(string parameter) =>
        MyInvocation.BoundParameters.TryGetValue(parameter, out var bound) && IsTrue(bound);

    private static bool IsTrue(object? value) => value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);

    /// <summary>What the pump writes to: this cmdlet, on the pipeline thread.</summary>
    private sealed class CmdletHost(StorageSnapshotCmdlet cmdlet) : IPipelineHost
    {
        public void WriteVerbose(string message) => cmdlet.WriteVerbose(message);
        public void WriteWarning(string message) => cmdlet.WriteWarning(message);
        public void WriteProgress(ProgressInfo progress)
        {
            var record = ProgressRecords.From(progress);
            if (record.ParentActivityId < 0 && cmdlet.ProgressParentId >= 0 && record.ActivityId != cmdlet.ProgressParentId)
                record.ParentActivityId = cmdlet.ProgressParentId;
            cmdlet.WriteProgress(record);
        }
        public void WriteError(StorageSnapshotException error) => cmdlet.WriteError(ErrorRecords.From(error, cmdlet.currentTarget));
    }
}
