using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.S3;

/// <summary>
/// Turns what the AWS SDK throws — after its own retries with backoff on 5xx, throttling and timeouts — into errors
/// that name the storage and say what to do. The server's message is kept (it never holds the secret key: requests
/// are signed, the secret is never sent); the access key id may appear, and it is not a secret.
/// </summary>
internal static class S3Errors
{
    /// <summary>True for exceptions this class translates.</summary>
    public static bool IsStorageFailure(Exception e) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException
        && e is not ChunkUnreadableException;

    /// <summary>True when the server answered 404 (no such key).</summary>
    public static bool IsNotFound(Exception e) =>
        e is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s && s.ErrorCode is null or "NoSuchKey" or "NotFound";

    /// <summary>True when the server refused a conditional write because the key exists (412 Precondition Failed).</summary>
    public static bool IsPreconditionFailed(Exception e) =>
        e is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed } or AmazonS3Exception { ErrorCode: "PreconditionFailed" };

    /// <summary>True when the server does not implement a header we sent (If-None-Match on PUT, on older servers).</summary>
    public static bool IsNotImplemented(Exception e) =>
        e is AmazonS3Exception { StatusCode: HttpStatusCode.NotImplemented } or AmazonS3Exception { ErrorCode: "NotImplemented" };

    /// <summary>The error for <paramref name="e"/>, raised while doing <paramref name="what"/> on <paramref name="place"/>.</summary>
    public static StorageSnapshotException From(Exception e, S3Place place, string what)
    {
        var where = $"S3 secondary storage '{place.Location}'";
        if (e is AmazonS3Exception s3)
        {
            var code = s3.ErrorCode ?? ((int)s3.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            switch (s3.ErrorCode)
            {
                case "NoSuchBucket":
                    return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ObjectNotFound,
                        $"{where}: the bucket '{place.Bucket}' does not exist (while {what}).", place.Location, e)
                    { RecommendedAction = $"Create the bucket '{place.Bucket}' (or correct the bucket's name), then try again." };
                case "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "InvalidToken" or "ExpiredToken":
                    return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied,
                        $"{where} refused the credentials while {what} ({code}: {s3.Message}). Nothing was committed.", place.Location, e)
                    { RecommendedAction = "Check the access key and its secret (register the storage again with the right credential), and that the user may read and write the bucket." };
                case "QuotaExceeded" or "EntityTooLarge":
                    return new SecondaryStorageFullException(
                        $"{where} is full (the server answered {code} while {what}). Nothing was committed.", place.Location, what, e)
                    { RecommendedAction = SecondaryStorageErrors.FreeSpaceAdvice };
            }
            if (s3.StatusCode == HttpStatusCode.Forbidden)
            {
                return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied,
                    $"{where} denied access while {what} ({code}: {s3.Message}).", place.Location, e);
            }
            var unavailable = (int)s3.StatusCode >= 500;
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, unavailable ? ErrorKind.ResourceUnavailable : ErrorKind.WriteError,
                $"{where} failed while {what}{(unavailable ? ", after retries" : "")} ({(int)s3.StatusCode} {code}: {s3.Message}). Nothing was committed.", place.Location, e);
        }
        if (e is AmazonClientException client && client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied,
                $"{where}: no credentials (while {what}): {client.Message}", place.Location, e)
            { RecommendedAction = "Register the storage with a credential, or give the SDK's default credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)." };
        }
        // Connection refused, name not resolved, timeouts after the SDK's retries: the server cannot be reached.
        return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ResourceUnavailable,
            $"{where} is not reachable (while {what}, after retries): {Innermost(e).Message}. Nothing was committed.", place.Location, e)
        { RecommendedAction = "Check that the endpoint is right and the server is up, then run the command again." };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }
}
