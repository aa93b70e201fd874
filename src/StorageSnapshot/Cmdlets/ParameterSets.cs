namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>Parameter-set names shared by the cmdlets (they show in Get-Command -Syntax and in help).</summary>
internal static class ParameterSets
{
    /// <summary>Objects selected by name (wildcards on Get cmdlets).</summary>
    public const string ByName = "ByName";

    /// <summary>Objects selected by inventory id.</summary>
    public const string ById = "ById";

    /// <summary>Objects piped in (or passed to -InputObject).</summary>
    public const string ByInputObject = "ByInputObject";

    /// <summary>New-StorageVolume: an empty volume of a given size.</summary>
    public const string Empty = "Empty";

    /// <summary>New-StorageVolume -FromSnapshot: a clone.</summary>
    public const string FromSnapshot = "FromSnapshot";

    /// <summary>New-StorageVolume -FromCopy and Restore-StorageSnapshot -FromCopy: from a copy on secondary storage.</summary>
    public const string FromCopy = "FromCopy";

    /// <summary>Remove-StorageSnapshot -Expired: the snapshots past their expiry.</summary>
    public const string Expired = "Expired";

    /// <summary>Register-SecondaryStorage -Path: a repository in a directory.</summary>
    public const string Directory = "Directory";

    /// <summary>Register-SecondaryStorage -S3: a repository in an S3 bucket.</summary>
    public const string S3 = "S3";
}
