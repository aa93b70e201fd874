using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations.Drift;

/// <summary>
/// A copy's inventory record rebuilt from its manifest alone (Import-SnapshotCopy, adopting an orphan copy): the
/// manifest holds the copy's id, its source's identity, its size, digest, base and figures, so the record equals the
/// one the copy wrote when it was committed — except when it started (the manifest keeps when it was committed and
/// how long it took).
/// </summary>
internal static class CopyRecords
{
    public static SnapshotCopy FromManifest(CopyManifest manifest, string destination)
    {
        var statistics = manifest.Statistics ?? new CopyStatistics();
        var duration = TimeSpan.FromMilliseconds(Math.Round(statistics.DurationSeconds * 1000));
        var completed = ToMilliseconds(manifest.CreatedUtc);
        return new SnapshotCopy
        {
            Id = manifest.CopyId,
            Destination = destination,
            Backend = manifest.Source.Backend,
            Volume = manifest.Source.Volume,
            VolumeId = manifest.Source.VolumeId,
            SnapshotId = manifest.Source.SnapshotId,
            Snapshot = manifest.Source.SnapshotName,
            State = CopyState.Copied,
            BaseCopyId = manifest.BaseCopyId,
            SizeBytes = manifest.TotalBytes,
            BytesRead = statistics.BytesRead,
            BytesWritten = statistics.BytesWritten,
            BytesChanged = statistics.BytesChanged,
            Duration = duration,
            BytesPerSecond = duration > TimeSpan.Zero ? statistics.BytesRead / duration.TotalSeconds : 0,
            ImageSha256 = manifest.ImageSha256,
            CreatedUtc = completed - duration,
            CompletedUtc = completed,
        };
    }

    private static DateTime ToMilliseconds(DateTime utc)
    {
        utc = utc.Kind == DateTimeKind.Utc ? utc : DateTime.SpecifyKind(utc.ToUniversalTime(), DateTimeKind.Utc);
        return new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }
}
