namespace StorageSnapshot.Engine.Secrets;

/// <summary>A protected secret cannot be revealed with this user's key (ErrorIds.SecretUnavailable). Never carries the secret.</summary>
internal sealed class SecretUnavailableException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public SecretUnavailableException(string message, object? target = null)
        : base(ErrorIds.SecretUnavailable, ErrorKind.PermissionDenied, message, target)
    {
    }
}
