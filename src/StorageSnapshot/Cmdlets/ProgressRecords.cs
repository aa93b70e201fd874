using System.Globalization;
using System.Management.Automation;

namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>Turns the engine's progress reports into PowerShell progress records.</summary>
internal static class ProgressRecords
{
    public static ProgressRecord From(ProgressInfo progress)
    {
        // ProgressRecord rejects an empty activity or status and ids below zero; the engine's text is shown as is,
        // followed by the byte counts and throughput when it reports them.
        var activity = string.IsNullOrWhiteSpace(progress.Activity) ? "StorageSnapshot" : progress.Activity;
        var record = new ProgressRecord(Math.Max(0, progress.ActivityId), activity, Status(progress))
        {
            ParentActivityId = progress.ParentActivityId < 0 ? -1 : progress.ParentActivityId,
            PercentComplete = Math.Clamp(progress.PercentComplete, -1, 100),
            SecondsRemaining = progress.SecondsRemaining < 0 ? -1 : progress.SecondsRemaining,
            RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (!string.IsNullOrWhiteSpace(progress.CurrentOperation)) record.CurrentOperation = progress.CurrentOperation;
        return record;
    }

    internal static string Status(ProgressInfo progress)
    {
        var status = string.IsNullOrWhiteSpace(progress.Status) ? "Working" : progress.Status;
        if (progress.BytesTotal <= 0 && progress.BytesDone <= 0) return status;
        // Some reports already say it in words ("1.2 GiB of 4 GiB, 620 MB/s"); the figures are added only once.
        if (status.Contains("/s", StringComparison.Ordinal) || status.Contains(ByteSize.Format(progress.BytesDone), StringComparison.Ordinal)) return status;
        var bytes = progress.BytesTotal > 0
            ? $"{ByteSize.Format(progress.BytesDone)} of {ByteSize.Format(progress.BytesTotal)}"
            : ByteSize.Format(progress.BytesDone);
        var rate = progress.BytesPerSecond > 0 ? $", {ByteSize.Format((long)progress.BytesPerSecond)}/s" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{status} ({bytes}{rate})");
    }
}

/// <summary>Binary byte units (KiB, MiB, GiB, TiB) as the format views show them.</summary>
internal static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {Units[unit]}");
    }
}
