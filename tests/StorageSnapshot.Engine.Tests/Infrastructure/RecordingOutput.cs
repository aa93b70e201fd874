using System.Collections.Concurrent;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>An output sink that keeps everything the engine writes, for assertions (thread-safe, like the cmdlet's).</summary>
public sealed class RecordingOutput : IOperationOutput
{
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<ProgressInfo> Progress { get; } = new();
    public ConcurrentQueue<StorageSnapshotException> Errors { get; } = new();

    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteWarning(string message) => Warnings.Enqueue(message);
    public void WriteProgress(ProgressInfo progress) => Progress.Enqueue(progress);
    public void WriteError(StorageSnapshotException error) => Errors.Enqueue(error);
}

/// <summary>A ShouldProcess callback that answers a fixed yes or no and records every question.</summary>
public sealed class RecordingShouldProcess
{
    public RecordingShouldProcess(bool answer = true) => Answer = answer;

    public bool Answer { get; set; }

    public ConcurrentQueue<(string Target, string Action)> Questions { get; } = new();

    public bool Ask(string target, string action)
    {
        Questions.Enqueue((target, action));
        return Answer;
    }
}

/// <summary>A context over a recorder and a ShouldProcess recorder.</summary>
public sealed class RecordingContext
{
    public RecordingContext(bool answer = true, CancellationToken cancellationToken = default)
    {
        ShouldProcess = new RecordingShouldProcess(answer);
        Context = new OperationContext(Output, ShouldProcess.Ask, cancellationToken);
    }

    public RecordingOutput Output { get; } = new();
    public RecordingShouldProcess ShouldProcess { get; }
    public OperationContext Context { get; }

    public static implicit operator OperationContext(RecordingContext recording) => recording.Context;
}
