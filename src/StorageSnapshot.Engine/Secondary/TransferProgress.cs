using System.Diagnostics;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// Live progress of one transfer (copy, restore, verify): workers add bytes from any thread; a timer reports
/// bytes, percent, throughput and time left twice a second; <see cref="DisposeAsync"/> writes the Completed record.
/// </summary>
internal sealed class TransferProgress : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private static int s_nextActivityId;

    private readonly IOperationOutput _output;
    private readonly string _activity;
    private readonly long _totalBytes;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reporter;
    private readonly int _activityId = Interlocked.Increment(ref s_nextActivityId);
    private long _doneBytes;

    public TransferProgress(IOperationOutput output, string activity, long totalBytes)
    {
        _output = output;
        _activity = activity;
        _totalBytes = totalBytes;
        // The bar appears at once, not half a second in.
        _output.WriteProgress(Snapshot(completed: false));
        _reporter = ReportPeriodicallyAsync();
    }

    /// <summary>Bytes settled so far.</summary>
    public long DoneBytes => Interlocked.Read(ref _doneBytes);

    /// <summary>Time since the transfer started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Counts <paramref name="bytes"/> as done.</summary>
    public void Add(long bytes) => Interlocked.Add(ref _doneBytes, bytes);

    private async Task ReportPeriodicallyAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) _output.WriteProgress(Snapshot(completed: false));
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync.
        }
    }

    private ProgressInfo Snapshot(bool completed)
    {
        var done = DoneBytes;
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-6);
        var rate = done / seconds;
        var percent = _totalBytes > 0 ? (int)Math.Min(100, done * 100 / _totalBytes) : (completed ? 100 : -1);
        return new ProgressInfo
        {
            ActivityId = _activityId,
            Activity = _activity,
            Status = $"{Units.Bytes(done)} of {Units.Bytes(_totalBytes)}, {Units.Rate(rate)}",
            PercentComplete = completed ? 100 : percent,
            BytesDone = done,
            BytesTotal = _totalBytes,
            BytesPerSecond = rate,
            SecondsRemaining = completed || rate <= 0 ? -1 : (int)Math.Ceiling((_totalBytes - done) / rate),
            Completed = completed,
        };
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _reporter;
        _stop.Dispose();
        _output.WriteProgress(Snapshot(completed: true));
    }
}

/// <summary>Human-readable sizes and rates for messages.</summary>
internal static class Units
{
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.##} KiB",
        _ => $"{bytes} B",
    };

    public static string Rate(double bytesPerSecond) => $"{bytesPerSecond / (1 << 20):0.#} MiB/s";
}
