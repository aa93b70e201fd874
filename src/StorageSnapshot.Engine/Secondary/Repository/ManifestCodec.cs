using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The manifest file format, version 2: UTF-8 lines, the chunk list one entry per line, so that a manifest is
/// written and read as a stream and costs one line per stored chunk — a run of zero chunks, however long, is
/// one line:
/// <code>
/// storagesnapshot-manifest 2
/// {"copyId":…,"source":{…},"baseCopyId":…,"chunkSize":4194304,"totalBytes":…,"imageSha256":…,"createdUtc":…,"dataChunks":…,"statistics":{…}}
/// 67f1cd…(64 lowercase hex digits)     a stored chunk: its SHA-256
/// z 16777000                           a run of that many all-zero chunks (stored as nothing)
/// …
/// sha256 &lt;64 lowercase hex digits: SHA-256 of every byte before this line&gt;
/// </code>
/// The entries cover the image exactly: chunk i starts at i × chunkSize, and their counts add up to the image's
/// chunk count. The trailer makes any flipped bit anywhere in the file detectable independently of the parsers,
/// and it is the same rule in every version from 2 on, so a reader can tell a damaged file (refused as corrupt)
/// from an intact one of a newer version (refused with "update the module").
/// Version 1 (one JSON line listing every chunk, then the same trailer over that line) is still read
/// (<see cref="ManifestV1Parser"/>), never written.
/// </summary>
internal static class ManifestCodec
{
    /// <summary>The first word of a version-2-or-later manifest.</summary>
    internal const string Magic = "storagesnapshot-manifest";

    internal const string TrailerPrefix = "sha256 ";

    /// <summary>"sha256 " + 64 hex digits + "\n".</summary>
    internal const int TrailerLength = 7 + 64 + 1;

    internal const string ZeroRunPrefix = "z ";

    /// <summary>Longest header line accepted (a header is a few hundred bytes; names are short).</summary>
    internal const int MaxHeaderLineBytes = 1 << 20;

    /// <summary>Longest chunk entry line ("z " and a 19-digit count, or a 64-digit digest).</summary>
    internal const int MaxEntryLineBytes = 64;

    internal static readonly JsonSerializerSettings Settings = new()
    {
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
        DateParseHandling = DateParseHandling.DateTime,
        Formatting = Formatting.None,
        MissingMemberHandling = MissingMemberHandling.Ignore,
        NullValueHandling = NullValueHandling.Include,
    };

    /// <summary>The first two lines of a manifest: the magic line with the version, and the header as JSON.</summary>
    internal static byte[] EncodePreamble(CopyManifest manifest) =>
        Encoding.UTF8.GetBytes($"{Magic} {CopyManifest.CurrentVersion}\n{JsonConvert.SerializeObject(manifest, Settings)}\n");

    /// <summary>The bytes a manifest with this header and a chunk list of <paramref name="chunkListBytes"/> takes.</summary>
    internal static long EncodedLength(CopyManifest manifest, long chunkListBytes) =>
        EncodePreamble(manifest).Length + chunkListBytes + TrailerLength;

    /// <summary>The last line: "sha256 " and the digest of everything before it.</summary>
    internal static byte[] EncodeTrailer(ReadOnlySpan<byte> sha256) =>
        Encoding.ASCII.GetBytes($"{TrailerPrefix}{Convert.ToHexString(sha256).ToLowerInvariant()}\n");

    /// <summary>Writes the entry line of <paramref name="run"/> into <paramref name="line"/> (at least 65 bytes); returns its length.</summary>
    internal static int EncodeEntry(ChunkRun run, Span<byte> line)
    {
        if (run.Digest is { } digest)
        {
            var written = Encoding.ASCII.GetBytes(digest, line);
            line[written] = (byte)'\n';
            return written + 1;
        }
        line[0] = (byte)'z';
        line[1] = (byte)' ';
        if (!Utf8Formatter.TryFormat(run.Count, line[2..], out var digits)) throw new InvalidOperationException("A chunk count does not fit its line.");
        line[2 + digits] = (byte)'\n';
        return digits + 3;
    }

    /// <summary>
    /// Parses one chunk entry line (without its newline) for the chunk at <paramref name="index"/>; null when the
    /// line is not an entry.
    /// </summary>
    internal static ChunkRun? ParseEntry(ReadOnlySpan<byte> line, long index)
    {
        if (line.Length == 64)
        {
            foreach (var b in line)
            {
                if (b is not (>= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f')) return null;
            }
            return ChunkRun.Data(index, Encoding.ASCII.GetString(line));
        }
        if (line.Length > 2 && line[0] == 'z' && line[1] == ' ')
        {
            var digits = line[2..];
            // Canonical decimal only: no sign, no leading zero, at least 1.
            if (digits[0] == '0' || digits.Length > 19 || digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0) return null;
            if (!Utf8Parser.TryParse(digits, out long count, out var consumed) || consumed != digits.Length || count < 1) return null;
            return ChunkRun.Zeros(index, count);
        }
        return null;
    }

    /// <summary>Parses the header line of a version-2 manifest; throws <see cref="ManifestFormatException"/>.</summary>
    internal static CopyManifest ParseHeader(ReadOnlySpan<byte> line, int version)
    {
        CopyManifest? manifest;
        try
        {
            manifest = JsonConvert.DeserializeObject<CopyManifest>(Encoding.UTF8.GetString(line), Settings);
        }
        catch (JsonException e)
        {
            throw new ManifestFormatException($"its header does not parse ({e.Message}).");
        }
        if (manifest is null) throw new ManifestFormatException("its header is empty.");
        manifest = manifest with { FormatVersion = version };
        var problem = CheckHeader(manifest);
        return problem is null ? manifest : throw new ManifestFormatException(problem);
    }

    /// <summary>What is wrong with a header, or null.</summary>
    internal static string? CheckHeader(CopyManifest m)
    {
        if (m.CopyId is null || m.Source is null || m.Source.SnapshotId is null || m.ImageSha256 is null) return "required fields are missing.";
        if (m.ChunkSize <= 0 || m.TotalBytes < 0) return "its sizes are out of range.";
        if (m.DataChunks < 0 || m.DataChunks > m.ChunkCount) return "its count of stored chunks is out of range.";
        if (!ChunkDigest.IsValid(m.ImageSha256)) return "its image digest is malformed.";
        return null;
    }

    /// <summary>Parses the magic line ("storagesnapshot-manifest N"); the version, or null when it is not one.</summary>
    internal static int? ParseMagic(ReadOnlySpan<byte> line)
    {
        var prefix = Encoding.ASCII.GetBytes(Magic + " ");
        if (!line.StartsWith(prefix)) return null;
        var digits = line[prefix.Length..];
        return digits.Length is > 0 and <= 9 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            ? int.Parse(Encoding.ASCII.GetString(digits), NumberStyles.None, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>The error for a manifest that cannot be trusted.</summary>
    internal static CopyCorruptException Corrupt(string copyId, string where, string why) =>
        new($"The manifest of copy {copyId} ({where}) is corrupt: {why}", new[] { $"manifest: {why}" }, copyId);

    /// <summary>The error for a manifest written by a newer module.</summary>
    internal static StorageSnapshotException Newer(string copyId, string where, int version) =>
        new(ErrorIds.SecondaryStorageFailed, ErrorKind.NotImplemented,
            $"The manifest of copy {copyId} ({where}) has format version {version}; this module reads versions up to {CopyManifest.CurrentVersion}.",
            copyId)
        { RecommendedAction = "Update the StorageSnapshot module." };
}

/// <summary>What is wrong with a manifest's content; becomes a <see cref="CopyCorruptException"/> naming the file.</summary>
internal sealed class ManifestFormatException(string why) : Exception(why);
