using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The manifest file format. A manifest file is UTF-8 text of two parts:
/// <code>
/// {...the manifest as JSON, one line...}\n
/// sha256 &lt;64 lowercase hex digits: SHA-256 of the JSON bytes before the first \n&gt;\n
/// </code>
/// The trailer makes any flipped bit anywhere in the file detectable (in the JSON: the checksum no longer
/// matches; in the trailer: it no longer parses or matches), independently of the JSON library.
/// </summary>
public static class ManifestCodec
{
    private const string TrailerPrefix = "sha256 ";

    private static readonly JsonSerializerSettings Settings = new()
    {
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
        DateParseHandling = DateParseHandling.DateTime,
        Formatting = Formatting.None,
        MissingMemberHandling = MissingMemberHandling.Ignore,
        NullValueHandling = NullValueHandling.Include,
    };

    /// <summary>The file bytes of a manifest.</summary>
    public static byte[] Encode(CopyManifest manifest)
    {
        var body = Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(manifest, Settings));
        var trailer = Encoding.ASCII.GetBytes($"\n{TrailerPrefix}{Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant()}\n");
        var file = new byte[body.Length + trailer.Length];
        body.CopyTo(file, 0);
        trailer.CopyTo(file, body.Length);
        return file;
    }

    /// <summary>
    /// Parses manifest file bytes. Throws <see cref="CopyCorruptException"/> naming <paramref name="where"/>
    /// when the checksum does not match or the content is not a manifest this code can read.
    /// </summary>
    public static CopyManifest Decode(ReadOnlySpan<byte> file, string copyId, string where)
    {
        CopyCorruptException Corrupt(string why) =>
            new($"The manifest of copy {copyId} ({where}) is corrupt: {why}", new[] { $"manifest: {why}" }, copyId);

        var newline = file.IndexOf((byte)'\n');
        if (newline < 0) throw Corrupt("it has no checksum line.");
        var body = file[..newline];
        var trailer = Encoding.ASCII.GetString(file[(newline + 1)..]);
        var expected = TrailerPrefix + Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant() + "\n";
        if (!string.Equals(trailer, expected, StringComparison.Ordinal))
        {
            throw Corrupt("its checksum does not match its content.");
        }

        CopyManifest? manifest;
        try
        {
            manifest = JsonConvert.DeserializeObject<CopyManifest>(Encoding.UTF8.GetString(body), Settings);
        }
        catch (JsonException e)
        {
            throw Corrupt($"it does not parse ({e.Message}).");
        }
        if (manifest is null) throw Corrupt("it is empty.");
        if (manifest.FormatVersion > CopyManifest.CurrentVersion)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.NotImplemented,
                $"The manifest of copy {copyId} ({where}) has format version {manifest.FormatVersion}; this module reads versions up to {CopyManifest.CurrentVersion}.",
                copyId) { RecommendedAction = "Update the StorageSnapshot module." };
        }
        var problem = Check(manifest);
        if (problem is not null) throw Corrupt(problem);
        return manifest;
    }

    /// <summary>Internal consistency: the chunk list covers exactly TotalBytes in ChunkSize pieces.</summary>
    private static string? Check(CopyManifest m)
    {
        if (m.CopyId is null || m.Source is null || m.Chunks is null || m.ImageSha256 is null) return "required fields are missing.";
        if (m.ChunkSize <= 0 || m.TotalBytes < 0) return "its sizes are out of range.";
        var expectedCount = (m.TotalBytes + m.ChunkSize - 1) / m.ChunkSize;
        if (m.Chunks.Count != expectedCount) return $"it lists {m.Chunks.Count} chunks for {m.TotalBytes} bytes (expected {expectedCount}).";
        for (var i = 0; i < m.Chunks.Count; i++)
        {
            var expectedLength = (int)Math.Min(m.ChunkSize, m.TotalBytes - (long)i * m.ChunkSize);
            var c = m.Chunks[i];
            if (c is null || c.Length != expectedLength || !ChunkDigest.IsValid(c.Sha256))
            {
                return $"chunk {i} has a wrong length or digest.";
            }
        }
        if (!ChunkDigest.IsValid(m.ImageSha256)) return "its image digest is malformed.";
        return null;
    }
}
