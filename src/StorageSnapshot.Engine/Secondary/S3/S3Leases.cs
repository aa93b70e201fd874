using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace StorageSnapshot.Engine.Secondary.S3;

/// <summary>
/// Locks without flock: an intent object per holder under <c>intents/</c>, kept alive by its holder rewriting it
/// (a lease) and ignored by everyone once it has not been rewritten for <see cref="S3LeaseTimings.Lease"/>. To take a
/// lock a holder first writes its intent, then lists the others' (an S3 bucket is strongly consistent: a PUT is
/// visible to every LIST that starts after it); if a conflicting live intent is there, it deletes its own and tries
/// again later. Of two holders that race, each writes before it looks, so at least one sees the other: they never
/// both hold conflicting locks. Clocks are the server's: an intent is live when its Last-Modified is within the
/// lease of the Last-Modified of the intent this holder has just written.
/// </summary>
internal sealed class S3Leases(IAmazonS3 client, S3Place place, S3LeaseTimings timings)
{
    /// <summary>The lease timings.</summary>
    public S3LeaseTimings Timings => timings;

    /// <summary>The folder of intents, relative to the repository.</summary>
    public const string Folder = "intents/";

    /// <summary>
    /// Takes a lock: writes <c>intents/&lt;scope&gt;.&lt;holder&gt;.json</c> and waits until no live intent that
    /// <paramref name="conflicts"/> (given the other intent's scope) is there, or <paramref name="timeout"/> passes
    /// (<see cref="TimeoutException"/> naming who holds it).
    /// </summary>
    public async Task<IAsyncDisposable> AcquireAsync(string scope, Func<string, bool> conflicts, string purpose, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var holder = Guid.NewGuid().ToString("N");
        var key = place.Key($"{Folder}{scope}.{holder}.json");
        var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        // Who holds it, for people looking at the bucket; the lease itself is the object's Last-Modified.
        var body = Encoding.UTF8.GetBytes(Newtonsoft.Json.JsonConvert.SerializeObject(
            new { purpose, host = Environment.MachineName, pid = Environment.ProcessId, startedUtc = DateTime.UtcNow }) + "\n");
        while (true)
        {
            await PutAsync(key, body, cancellationToken).ConfigureAwait(false);
            var blocker = await FindLiveConflictAsync(key, conflicts, cancellationToken).ConfigureAwait(false);
            if (blocker is null) return new Held(this, key, body);
            await DeleteAsync(key).ConfigureAwait(false);
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Another process holds the lock to {purpose} in '{place.Location}' (its intent {blocker}, renewed within the last {timings.Lease.TotalSeconds:0} s).");
            }
            // Jitter, so that two holders that keep seeing each other do not retry in step.
            await Task.Delay(timings.Poll + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)timings.Poll.TotalMilliseconds + 1)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes intents last written before <paramref name="olderThanUtc"/> whose holders died: not renewed for a lease, or
    /// naming a process of this host that is gone; returns how many.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(DateTime olderThanUtc, CancellationToken cancellationToken)
    {
        var intents = await ListAsync(cancellationToken).ConfigureAwait(false);
        if (intents.Count == 0) return 0;
        var now = await ServerNowAsync(cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        foreach (var intent in intents)
        {
            var written = intent.LastModified?.ToUniversalTime() ?? DateTime.MaxValue;
            if (written >= olderThanUtc) continue;
            if (written + timings.Lease >= now && !await HeldByDeadProcessOnThisHostAsync(intent.Key, cancellationToken).ConfigureAwait(false)) continue;
            await DeleteAsync(intent.Key).ConfigureAwait(false);
            deleted++;
        }
        return deleted;
    }

    private async Task<string?> FindLiveConflictAsync(string ownKey, Func<string, bool> conflicts, CancellationToken cancellationToken)
    {
        var intents = await ListAsync(cancellationToken).ConfigureAwait(false);
        var own = intents.FirstOrDefault(o => o.Key == ownKey);
        // Our own intent's Last-Modified is the server's "now"; listed right after our PUT, it is there.
        var now = own?.LastModified?.ToUniversalTime() ?? await ServerNowAsync(cancellationToken).ConfigureAwait(false);
        foreach (var intent in intents)
        {
            if (intent.Key == ownKey) continue;
            var name = intent.Key[place.Key(Folder).Length..];
            var dot = name.IndexOf('.');
            if (dot <= 0 || !name.EndsWith(".json", StringComparison.Ordinal) || !conflicts(name[..dot])) continue; // clock probes are no one's intent
            if ((intent.LastModified?.ToUniversalTime() ?? DateTime.MinValue) + timings.Lease > now
                && !await HeldByDeadProcessOnThisHostAsync(intent.Key, cancellationToken).ConfigureAwait(false))
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>
    /// True when the intent names this host and a process that is not running: its holder was killed, so nobody waits
    /// out its lease (a copy killed and run again at once would otherwise wait for its own dead key lock). A reused
    /// process id only makes it look alive: the lease then decides, as for another host's intent.
    /// </summary>
    private async Task<bool> HeldByDeadProcessOnThisHostAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(place.Bucket, key, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            var holder = Newtonsoft.Json.Linq.JObject.Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
            if (!string.Equals((string?)holder["host"], Environment.MachineName, StringComparison.Ordinal) || holder["pid"] is not { } pidToken) return false;
            var pid = (int)pidToken;
            if (pid == Environment.ProcessId) return false;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                return process.HasExited;
            }
            catch (ArgumentException)
            {
                return true; // no such process
            }
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or InvalidCastException or FormatException or OverflowException
                                      || (e is AmazonS3Exception s3 && S3Errors.IsNotFound(s3)))
        {
            return false; // unreadable, or released meanwhile: the lease decides
        }
    }

    private async Task<List<S3Object>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = place.Bucket, Prefix = place.Key(Folder) };
        ListObjectsV2Response response;
        do
        {
            response = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            if (response.S3Objects is { } objects) found.AddRange(objects);
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return found;
    }

    private async Task<DateTime> ServerNowAsync(CancellationToken cancellationToken)
    {
        // The server's clock, read from a probe object's Last-Modified (never this host's clock against the server's).
        // Listed, not HEADed: a listing gives milliseconds, the Last-Modified header whole seconds.
        var probe = place.Key($"{Folder}clock.{Guid.NewGuid():N}.probe");
        await PutAsync(probe, [], cancellationToken).ConfigureAwait(false);
        try
        {
            var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = place.Bucket, Prefix = probe }, cancellationToken).ConfigureAwait(false);
            return listed.S3Objects?.FirstOrDefault()?.LastModified?.ToUniversalTime() ?? DateTime.UtcNow;
        }
        finally
        {
            await DeleteAsync(probe).ConfigureAwait(false);
        }
    }

    private async Task PutAsync(string key, byte[] body, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(body, writable: false);
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = place.Bucket, Key = key, InputStream = stream, AutoCloseStream = false, UseChunkEncoding = false,
            MD5Digest = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(body)),
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteAsync(string key)
    {
        // Never cancelled: an intent left behind would block collection for a whole lease.
        try
        {
            await client.DeleteObjectAsync(place.Bucket, key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            // It expires after the lease; collection deletes it later.
        }
    }

    /// <summary>A held lock: renews its intent every <see cref="S3LeaseTimings.Renew"/> until disposed, then deletes it.</summary>
    private sealed class Held : IAsyncDisposable
    {
        private readonly S3Leases _owner;
        private readonly string _key;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        public Held(S3Leases owner, string key, byte[] body)
        {
            _owner = owner;
            _key = key;
            _renewing = RenewAsync(body, _stop.Token);
        }

        private async Task RenewAsync(byte[] body, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_owner.Timings.Renew, stop).ConfigureAwait(false);
                    await _owner.PutAsync(_key, body, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (S3Errors.IsStorageFailure(e))
                {
                    // Try again at the next interval: the lease is several intervals long.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewing.ConfigureAwait(false);
            _stop.Dispose();
            await _owner.DeleteAsync(_key).ConfigureAwait(false);
        }
    }
}

/// <summary>How long an intent lives without renewal, how often its holder renews it, how often a waiter looks again.</summary>
internal sealed record S3LeaseTimings(TimeSpan Lease, TimeSpan Renew, TimeSpan Poll)
{
    /// <summary>A two-minute lease renewed every 20 s (six chances before it lapses), polled every second.</summary>
    public static S3LeaseTimings Default { get; } = new(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(1));
}
