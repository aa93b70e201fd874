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

    /// <summary>
    /// The status line: with byte counts, "&lt;done&gt; of &lt;total&gt; (&lt;percent&gt;%), &lt;rate&gt;" in binary units, whatever
    /// words the engine used (one unit convention everywhere); without, the engine's words.
    /// </summary>
    internal static string Status(ProgressInfo progress)
    {
        var status = string.IsNullOrWhiteSpace(progress.Status) ? "Working" : progress.Status;
        if (progress.BytesTotal <= 0 && progress.BytesDone <= 0) return status;
        var bytes = progress.BytesTotal > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{ByteSize.Format(progress.BytesDone)} of {ByteSize.Format(progress.BytesTotal)} ({Math.Clamp(progress.BytesDone * 100 / progress.BytesTotal, 0, 100)}%)")
            : ByteSize.Format(progress.BytesDone);
        var rate = progress.BytesPerSecond > 0 ? ", " + ByteSize.FormatRate(progress.BytesPerSecond) : "";
        return bytes + rate;
    }
}

/// <summary>
/// Sizes and throughput in binary (IEC) units — B, KiB, MiB, GiB, TiB, PiB, 1 KiB = 1024 bytes — as the format views and
/// progress bars show them (the views call it: it is public). At most three significant digits before the point:
/// "1.1 KiB", "16 MiB", "1023 MiB", "1.5 TiB".
/// </summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>A size: "512 B", "1.5 KiB", "16 MiB".</summary>
    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        if (unit == 0) return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        return Math.Abs(value) >= 100
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(value):0} {Units[unit]}")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(value * 10) / 10:0.#} {Units[unit]}");
    }

    /// <summary>A throughput: "572.2 MiB/s".</summary>
    public static string FormatRate(double bytesPerSecond) => Format((long)Math.Round(bytesPerSecond)) + "/s";
}
