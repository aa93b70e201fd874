namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>How an image file was made from another; recorded in DriverObject.Details["copyMethod"].</summary>
internal enum CopyMethod
{
    /// <summary>FICLONE: the new file shares every extent with its source (instant, no space used).</summary>
    Reflink,

    /// <summary>A byte copy of the data extents only; holes stay holes.</summary>
    SparseCopy,
}

/// <summary>The detail names and values the directory driver records.</summary>
internal static class CopyMethodDetails
{
    /// <summary>The key in DriverObject.Details.</summary>
    public const string Key = "copyMethod";

    /// <summary>"reflink" or "sparse-copy".</summary>
    public static string ToDetail(this CopyMethod method) => method switch
    {
        CopyMethod.Reflink => "reflink",
        CopyMethod.SparseCopy => "sparse-copy",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };
}
