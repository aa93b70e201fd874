using StorageSnapshot.Engine.Operations;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// The volume lock is a real OS file lock: checked within one process (two opens conflict) and across two
/// processes (a TestHost child), including that it dies with a SIGKILLed holder.
/// </summary>
public sealed class VolumeLockTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"storagesnapshot-locks-{Guid.NewGuid():N}");

    [Fact]
    public void A_second_acquire_in_the_same_process_is_refused_until_the_first_is_released()
    {
        var first = VolumeLock.TryAcquire(directory, "lab/db01");
        Assert.NotNull(first);
        Assert.Null(VolumeLock.TryAcquire(directory, "lab/db01"));
        Assert.Null(VolumeLock.TryAcquire(directory, "LAB/DB01")); // names are case-insensitive, so are keys

        using (var other = VolumeLock.TryAcquire(directory, "lab/db02")) Assert.NotNull(other);

        first!.Dispose();
        using var again = VolumeLock.TryAcquire(directory, "lab/db01");
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Acquire_waits_until_the_holder_releases()
    {
        var holder = VolumeLock.TryAcquire(directory, "lab/db01")!;
        var waiting = VolumeLock.AcquireAsync(directory, "lab/db01", TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);

        holder.Dispose();
        using var acquired = await waiting;
        Assert.NotNull(acquired);
    }

    [Fact]
    public async Task Acquire_gives_up_after_the_timeout_and_honours_cancellation()
    {
        using var holder = VolumeLock.TryAcquire(directory, "lab/db01")!;
        Assert.Null(await VolumeLock.AcquireAsync(directory, "lab/db01", TimeSpan.FromMilliseconds(150), CancellationToken.None));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => VolumeLock.AcquireAsync(directory, "lab/db01", TimeSpan.FromMinutes(1), cts.Token));
    }

    [Fact]
    public void Lock_file_names_are_safe_and_distinct_for_any_key()
    {
        var names = new[] { "lab/db01", "lab/db01x", "../../etc/passwd", "lab\\db01", "a/" + new string('x', 300) }
            .Select(VolumeLock.FileNameFor)
            .ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n =>
        {
            Assert.DoesNotContain('/', n);
            Assert.DoesNotContain('\\', n);
            Assert.DoesNotContain("..", n);
            Assert.True(n.Length < 120, n);
        });
        Assert.Equal(VolumeLock.FileNameFor("Lab/DB01"), VolumeLock.FileNameFor("lab/db01"));
    }

    [Fact]
    public async Task Another_process_holding_the_lock_excludes_this_one_until_it_exits()
    {
        // A handshake, no time window: the child holds the lock until told GO, so nothing here can win it early.
        await using var child = TestHostProcess.Start("orchestration", "lock-file", directory, "lab/db01", "until-go");
        await child.WaitForLineAsync("READY");

        Assert.Null(VolumeLock.TryAcquire(directory, "lab/db01"));
        var waiting = VolumeLock.AcquireAsync(directory, "lab/db01", TimeSpan.FromSeconds(60), CancellationToken.None);
        await Task.Delay(200); // time for a broken lock to be taken wrongly; a correct one cannot be, however long
        Assert.False(waiting.IsCompleted, "the lock was acquired while the child held it");

        await child.SayGoAsync();
        using var acquired = await waiting;
        Assert.NotNull(acquired);
        Assert.Equal(0, await child.WaitForExitAsync());
    }

    [Fact]
    public async Task This_process_holding_the_lock_excludes_another_process()
    {
        using var held = VolumeLock.TryAcquire(directory, "lab/db01")!;
        await using var child = TestHostProcess.Start("orchestration", "lock-file", directory, "lab/db01", "0");
        await child.WaitForLineAsync("BUSY");
        Assert.Equal(3, await child.WaitForExitAsync());
    }

    [Fact]
    public async Task The_lock_dies_with_a_killed_holder()
    {
        await using var child = TestHostProcess.Start("orchestration", "lock-file", directory, "lab/db01", "600000");
        await child.WaitForLineAsync("READY");
        Assert.Null(VolumeLock.TryAcquire(directory, "lab/db01"));

        await child.KillAsync();
        using var acquired = VolumeLock.TryAcquire(directory, "lab/db01");
        Assert.NotNull(acquired);
    }

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
