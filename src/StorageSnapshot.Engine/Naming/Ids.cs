using System.Security.Cryptography;

namespace StorageSnapshot.Engine.Naming;

/// <summary>
/// Inventory ids: 26 characters of Crockford base32 (48-bit millisecond timestamp + 80 random bits, as ULID).
/// They sort by creation time, which keeps the inventory's indexes append-mostly, and are safe in file names.
/// </summary>
internal static class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new id for <paramref name="utcNow"/> (default: now).</summary>
    public static string New(DateTime? utcNow = null)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        return Format(utcNow ?? DateTime.UtcNow, random);
    }

    /// <summary>
    /// An id for <paramref name="utcNow"/> whose random part comes from <paramref name="random"/>: the same sequence
    /// of ids for the same seed, for benchmarks that must seed the same data run after run. Never for real records.
    /// </summary>
    public static string New(DateTime utcNow, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[10];
        random.NextBytes(bytes);
        return Format(utcNow, bytes);
    }

    private static string Format(DateTime utcNow, ReadOnlySpan<byte> random)
    {
        var ms = (ulong)new DateTimeOffset(utcNow).ToUnixTimeMilliseconds();
        Span<char> chars = stackalloc char[26];
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        // 80 random bits -> 16 characters of 5 bits each.
        UInt128 r = 0;
        foreach (var b in random) r = (r << 8) | b;
        for (var i = 25; i >= 10; i--)
        {
            chars[i] = Alphabet[(int)(r & 31)];
            r >>= 5;
        }
        return new string(chars);
    }

    /// <summary>True when <paramref name="text"/> has the shape of an id.</summary>
    public static bool LooksLikeId(string? text) =>
        text is { Length: 26 } && text.All(c => Alphabet.Contains(char.ToUpperInvariant(c)));
}
