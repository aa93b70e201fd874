using Amazon.Runtime;
using Amazon.S3;

namespace StorageSnapshot.Engine.Secondary.S3;

/// <summary>
/// Builds the SDK client for a place: the endpoint as service URL, the region for signing, path-style addressing
/// when asked, the standard retry mode (exponential backoff with jitter on 5xx, throttling and timeouts), and the
/// given access key or else the SDK's default credential chain (environment, profile, instance role).
/// </summary>
internal static class S3Clients
{
    /// <summary>Attempts per request, the first included: the SDK retries the rest with backoff.</summary>
    public const int MaxAttempts = 5;

    /// <summary>Creates a client; disposing it is the caller's.</summary>
    public static AmazonS3Client Create(S3Place place)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = place.Endpoint.GetLeftPart(UriPartial.Authority),
            AuthenticationRegion = place.Region,
            ForcePathStyle = place.ForcePathStyle,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = MaxAttempts - 1,
            Timeout = TimeSpan.FromSeconds(120),
            // Integrity is Content-MD5 on every PUT (set per request) and the SHA-256 of every chunk read; the SDK's
            // default trailing CRC checksums need aws-chunked uploads that S3-compatible servers such as the RADOS
            // Gateway of Ceph 16 do not all accept.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        return place.AccessKeyId is { } key
            ? new AmazonS3Client(new BasicAWSCredentials(key, place.SecretAccessKey), config)
            : new AmazonS3Client(config);
    }
}
