using System.Diagnostics;

namespace StorageSnapshot.TestHost.Faults;

/// <summary>What an injected fault does at its call site.</summary>
public enum FaultKind
{
    /// <summary>The call fails with an exception (what a driver or repository throws when its storage errs).</summary>
    Throw,

    /// <summary>
    /// The call does not answer: it waits for the caller's cancellation, and where the caller cannot cancel
    /// (compensation runs with CancellationToken.None) it gives up after <see cref="FaultPlan.HangTimeout"/> with the
    /// side's error (as a driver or repository with its own I/O timeout would).
    /// </summary>
    Hang,

    /// <summary>The process is killed with SIGKILL at that point (only in a child process).</summary>
    Kill,
}

/// <summary>Where around the wrapped call the fault strikes.</summary>
public enum FaultPhase
{
    /// <summary>Before the real call: nothing was done.</summary>
    Before,

    /// <summary>After the real call returned: the work is done but the caller never hears so (a half-made object).</summary>
    After,
}

/// <summary>
/// One fault: at the <paramref name="Call"/>-th call (1-based) counted by the plan, in <paramref name="Phase"/>,
/// do <paramref name="Kind"/>. A first fault counts every call since the plan was armed; a second fault counts
/// only control calls (not reads, writes or chunk transfers) made after the first fault struck, which is how
/// compensation's call sites are numbered reproducibly even while parallel data transfers wind down.
/// </summary>
public sealed record FaultInjection(int Call, FaultPhase Phase, FaultKind Kind)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Phase.ToString().ToLowerInvariant()} call #{Call}";
}

/// <summary>One call seen by the plan while it was armed.</summary>
/// <param name="Number">Its number among all calls since arming (1-based).</param>
/// <param name="Site">The call site: "Backend.CreateSnapshot", "Store.PutChunk", ...</param>
/// <param name="IsData">True for data transfers (reads, writes, chunk puts and reads), which run in parallel.</param>
/// <param name="AfterFirstFault">Its number among control calls made after the first fault struck (0 when none had).</param>
public sealed record ObservedCall(int Number, string Site, bool IsData, int AfterFirstFault);

/// <summary>
/// Counts the calls the engine makes into a <see cref="FaultInjectingDriver"/> and a
/// <see cref="FaultInjectingChunkStore"/>, and strikes the faults it was armed with. A dry run (armed with no
/// fault) yields the call sites of an operation; a loop then arms one fault per call number, so a call site the
/// engine gains later is covered without anyone listing it. Thread-safe: a copy reads and stores chunks on
/// several threads.
/// </summary>
public sealed class FaultPlan
{
    private readonly object gate = new();
    private readonly List<ObservedCall> calls = new();
    private readonly List<string> struck = new();
    private bool armed;
    private FaultInjection? first;
    private FaultInjection? second;
    private bool firstStruck;
    private bool secondStruck;
    private int afterFirst;
    private TaskCompletionSource hangStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Dictionary<(int Call, FaultPhase Phase), string> stamps = new();

    /// <summary>
    /// When set, read at every fault point (before and after each call) and kept in <see cref="Stamps"/>: a dry run
    /// with a stamp of the inventory's files tells which neighbouring points have nothing committed between them.
    /// </summary>
    public Func<string>? StateStamp { get; set; }

    /// <summary>The stamps read since arming, by call number and phase.</summary>
    public IReadOnlyDictionary<(int Call, FaultPhase Phase), string> Stamps
    {
        get { lock (gate) return new Dictionary<(int Call, FaultPhase Phase), string>(stamps); }
    }

    /// <summary>How long a hang lasts where the caller cannot cancel it, before it fails with a timeout.</summary>
    public TimeSpan HangTimeout { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>What a Kill fault does; by default SIGKILL to this process.</summary>
    public Action Kill { get; set; } = static () =>
    {
        Console.Out.Flush();
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    };

    /// <summary>Starts counting (and, with faults, injecting) from call #1.</summary>
    public void Arm(FaultInjection? firstFault = null, FaultInjection? secondFault = null)
    {
        if (secondFault is not null && firstFault is null) throw new ArgumentException("A second fault needs a first one.", nameof(secondFault));
        lock (gate)
        {
            calls.Clear();
            struck.Clear();
            stamps.Clear();
            first = firstFault;
            second = secondFault;
            firstStruck = false;
            secondStruck = false;
            afterFirst = 0;
            hangStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            armed = true;
        }
    }

    /// <summary>Stops counting and injecting (setup and checks run disarmed).</summary>
    public void Disarm()
    {
        lock (gate) armed = false;
    }

    /// <summary>The calls seen since the plan was armed, in the order they were entered.</summary>
    public IReadOnlyList<ObservedCall> Calls
    {
        get { lock (gate) return calls.ToList(); }
    }

    /// <summary>The faults that struck, in words ("Throw before call #3 Backend.CreateSnapshot").</summary>
    public IReadOnlyList<string> Struck
    {
        get { lock (gate) return struck.ToList(); }
    }

    /// <summary>Completes when a Hang fault starts waiting: the operation is stuck in its driver call.</summary>
    public Task HangStarted
    {
        get { lock (gate) return hangStarted.Task; }
    }

    /// <summary>Called by the wrappers on entering a call; returns its ticket for <see cref="AtAsync"/>.</summary>
    internal ObservedCall Enter(string site, bool isData)
    {
        lock (gate)
        {
            if (!armed) return new ObservedCall(0, site, isData, 0);
            var call = new ObservedCall(calls.Count + 1, site, isData, firstStruck && !isData ? ++afterFirst : 0);
            calls.Add(call);
            return call;
        }
    }

    /// <summary>Strikes the fault planned for this call and phase, if any.</summary>
    internal async ValueTask AtAsync(ObservedCall call, FaultPhase phase, Func<string, Exception> error, CancellationToken cancellationToken)
    {
        FaultInjection? fault = null;
        var stamp = StateStamp?.Invoke();
        lock (gate)
        {
            if (!armed || call.Number == 0) return;
            if (stamp is not null) stamps[(call.Number, phase)] = stamp;
            if (first is { } f && !firstStruck && call.Number == f.Call && phase == f.Phase)
            {
                fault = f;
                firstStruck = true;
            }
            else if (second is { } s && firstStruck && !secondStruck && call.AfterFirstFault == s.Call && phase == s.Phase)
            {
                fault = s;
                secondStruck = true;
            }
            if (fault is null) return;
            struck.Add($"{(ReferenceEquals(fault, first) ? "first" : "second")}: {fault.Kind} {phase.ToString().ToLowerInvariant()} call #{call.Number} {call.Site}");
        }
        await StrikeAsync(fault, call, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same for synchronous calls (IBlockReader.Dispose): a hang blocks the thread.</summary>
    internal void At(ObservedCall call, FaultPhase phase, Func<string, Exception> error) =>
        AtAsync(call, phase, error, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private async ValueTask StrikeAsync(FaultInjection fault, ObservedCall call, Func<string, Exception> error, CancellationToken cancellationToken)
    {
        var what = $"injected fault: {fault.Kind} {fault.Phase.ToString().ToLowerInvariant()} {call.Site} (call #{call.Number})";
        switch (fault.Kind)
        {
            case FaultKind.Throw:
                throw error(what);
            case FaultKind.Kill:
                Kill();
                throw new InvalidOperationException("The kill action returned.");
            case FaultKind.Hang:
                TaskCompletionSource started;
                lock (gate) started = hangStarted;
                started.TrySetResult();
                // Cancellation by the caller ends the hang as OperationCanceledException; otherwise the call
                // times out like a driver whose storage never answered.
                await Task.Delay(HangTimeout, cancellationToken).ConfigureAwait(false);
                throw error(what + $": no answer within {HangTimeout.TotalMilliseconds:0} ms");
            default:
                throw new ArgumentOutOfRangeException(nameof(fault));
        }
    }
}
