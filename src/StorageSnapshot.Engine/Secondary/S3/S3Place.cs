namespace StorageSnapshot.Engine.Secondary.S3;

/// <summary>
/// Where an S3 repository is and how to reach it. The location (what <see cref="SecondaryStorage.Path"/> records
/// and what identifies the place) is <c>http(s)://host[:port]/bucket[/prefix]</c>; everything else is a property of the
/// storage (<see cref="SecondaryStorage.Properties"/>): the signing region, path-style addressing and, when the SDK's
/// default credential chain is not to be used, the access key (its secret protected like every secret).
/// </summary>
internal sealed record S3Place(Uri Endpoint, string Bucket, string Prefix, string Region, bool ForcePathStyle, string? AccessKeyId, string? SecretAccessKey)
{
    /// <summary>Property: the signing region (default us-east-1, what RADOS Gateway and most S3-compatible servers accept).</summary>
    public const string RegionProperty = "Region";

    /// <summary>Property: "true" for path-style addressing (http://host/bucket/key), what servers without wildcard DNS need.</summary>
    public const string ForcePathStyleProperty = "ForcePathStyle";

    /// <summary>Property: the access key id (not secret).</summary>
    public const string AccessKeyIdProperty = "AccessKeyId";

    /// <summary>Property: the secret access key; stored protected, never shown.</summary>
    public const string SecretAccessKeyProperty = "SecretAccessKey";

    /// <summary>The region used when none is given.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>Every property an S3 storage may have.</summary>
    public static IReadOnlyList<string> KnownProperties { get; } = [RegionProperty, ForcePathStyleProperty, AccessKeyIdProperty, SecretAccessKeyProperty];

    /// <summary>The location string of an endpoint, a bucket and a prefix (each checked; InvalidArgument naming every problem).</summary>
    public static string FormatLocation(string? endpoint, string? bucket, string? prefix, string storageName)
    {
        var problems = new List<string>();
        Uri? uri = null;
        if (string.IsNullOrWhiteSpace(endpoint) || !Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https"))
        {
            problems.Add($"The endpoint of secondary storage '{storageName}' must be an http:// or https:// URL (got '{endpoint}').");
        }
        else if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            problems.Add($"The endpoint of secondary storage '{storageName}' must be a server's URL alone, without a path, query or user (got '{endpoint}'); the bucket and the folder in it are given apart.");
        }
        if (string.IsNullOrWhiteSpace(bucket) || !IsValidBucketName(bucket))
        {
            problems.Add($"'{bucket}' is not a valid bucket name for secondary storage '{storageName}': 3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit.");
        }
        var cleanPrefix = (prefix ?? "").Trim('/');
        if (cleanPrefix.Length > 512 || cleanPrefix.Contains("//", StringComparison.Ordinal) || cleanPrefix.Any(c => char.IsControl(c) || c == '\\')
            || cleanPrefix.Split('/').Any(s => s is "." or ".."))
        {
            problems.Add($"The prefix '{prefix}' of secondary storage '{storageName}' is not usable: at most 512 characters, '/'-separated names without '.', '..', '\\' or control characters.");
        }
        if (problems.Count > 0) throw new ValidationException(ErrorIds.InvalidArgument, problems, storageName);
        var root = uri!.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        return cleanPrefix.Length == 0 ? $"{root}/{bucket}" : $"{root}/{bucket}/{cleanPrefix}";
    }

    /// <summary>Reads a location made by <see cref="FormatLocation"/> with the storage's (clear) properties.</summary>
    public static S3Place Parse(string location, IReadOnlyDictionary<string, string> properties, string storageName)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ValidationException(ErrorIds.InvalidArgument, $"'{location}' is not the location of an S3 repository (http(s)://host/bucket[/prefix]).", storageName);
        }
        var path = Uri.UnescapeDataString(uri.AbsolutePath).Trim('/');
        var slash = path.IndexOf('/');
        var bucket = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? "" : path[(slash + 1)..];
        // Checked again: the location comes from the inventory, which someone may have edited.
        var canonical = FormatLocation(uri.GetLeftPart(UriPartial.Authority), bucket, prefix, storageName);
        var problems = CheckProperties(properties, storageName);
        if (problems.Count > 0) throw new ValidationException(ErrorIds.PropertyValidationFailed, problems, storageName);
        var region = properties.TryGetValue(RegionProperty, out var r) && !string.IsNullOrWhiteSpace(r) ? r.Trim() : DefaultRegion;
        var pathStyle = properties.TryGetValue(ForcePathStyleProperty, out var p) && bool.TryParse(p, out var b) && b;
        properties.TryGetValue(AccessKeyIdProperty, out var accessKey);
        properties.TryGetValue(SecretAccessKeyProperty, out var secret);
        _ = canonical;
        return new S3Place(new Uri(uri.GetLeftPart(UriPartial.Authority)), bucket, prefix.Length == 0 ? "" : prefix + "/", region, pathStyle,
            string.IsNullOrEmpty(accessKey) ? null : accessKey, string.IsNullOrEmpty(secret) ? null : secret);
    }

    /// <summary>One sentence per problem with the properties (unknown names, a bad region, a key without its secret); never a value of the secret.</summary>
    public static IReadOnlyList<string> CheckProperties(IReadOnlyDictionary<string, string> properties, string storageName)
    {
        var problems = new List<string>();
        foreach (var name in properties.Keys)
        {
            if (!KnownProperties.Contains(name, StringComparer.OrdinalIgnoreCase))
                problems.Add($"Secondary storage '{storageName}' has an unknown S3 property '{name}' (known: {string.Join(", ", KnownProperties)}).");
        }
        if (properties.TryGetValue(RegionProperty, out var region) && !string.IsNullOrEmpty(region)
            && (region.Length > 64 || !region.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            problems.Add($"The region '{region}' of secondary storage '{storageName}' is not a region name (letters, digits and '-').");
        if (properties.TryGetValue(ForcePathStyleProperty, out var style) && !string.IsNullOrEmpty(style) && !bool.TryParse(style, out _))
            problems.Add($"ForcePathStyle of secondary storage '{storageName}' must be true or false (got '{style}').");
        var hasKey = properties.TryGetValue(AccessKeyIdProperty, out var key) && !string.IsNullOrEmpty(key);
        var hasSecret = properties.TryGetValue(SecretAccessKeyProperty, out var secret) && !string.IsNullOrEmpty(secret);
        if (hasKey != hasSecret)
            problems.Add($"Secondary storage '{storageName}' needs both an access key id and its secret, or neither (then the SDK's default credentials are used).");
        return problems;
    }

    /// <summary>The object key of <paramref name="relative"/> (a repository-relative name such as chunks/ab/abcd…) under the prefix.</summary>
    public string Key(string relative) => Prefix + relative;

    /// <summary>The location string, for messages.</summary>
    public string Location => $"{Endpoint.GetLeftPart(UriPartial.Authority)}/{Bucket}" + (Prefix.Length == 0 ? "" : "/" + Prefix.TrimEnd('/'));

    private static bool IsValidBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => Location;
}
