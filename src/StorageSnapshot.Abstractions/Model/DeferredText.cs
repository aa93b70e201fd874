using System.Text;

namespace StorageSnapshot;

/// <summary>
/// A record's text value that may still be UTF-8 bytes in a buffer shared with other records, decoded to a string
/// the first time it is read. A listing of thousands of snapshots then makes no string for a value until someone
/// reads it: one buffer holds them all, instead of a string object each that every garbage collection during the
/// listing must copy. Equality and hashing are those of the decoded value, so a record compares the same whichever
/// way its values were given.
/// </summary>
/// <remarks>
/// One reference holds either the string or the buffer (16 bytes in a record: the reference, offset and length); decoding replaces the
/// buffer with the string in one atomic write. Two threads reading at once may both decode and get equal strings;
/// every reader reads the reference once, so each sees either the buffer (with its fixed offset and length) or the
/// string. The bytes of a buffer are never written again once a value names them.
/// </remarks>
internal struct DeferredText : IEquatable<DeferredText>
{
    private object? _value; // string, byte[] (undecoded) or null
    private readonly int _offset;
    private readonly int _length;

    private DeferredText(object? value, int offset, int length)
    {
        _value = value;
        _offset = offset;
        _length = length;
    }

    /// <summary>A value given as a string (or null).</summary>
    public static DeferredText Of(string? text) => new(text, 0, 0);

    /// <summary>A value that is the UTF-8 bytes <paramref name="utf8"/>[<paramref name="offset"/>..+<paramref name="length"/>], which must never change.</summary>
    public static DeferredText OfUtf8(byte[] utf8, int offset, int length) => new(utf8, offset, length);

    /// <summary>The value, decoded now (and remembered) if it was not yet.</summary>
    public string? Value
    {
        get
        {
            var value = _value;
            if (value is byte[] utf8) _value = value = Encoding.UTF8.GetString(utf8, _offset, _length);
            return (string?)value;
        }
    }

    /// <summary>True when the value is still the bytes <paramref name="utf8"/> (a value given or decoded as a string never is).</summary>
    public readonly bool IsUtf8(ReadOnlySpan<byte> utf8) => _value is byte[] bytes && utf8.SequenceEqual(bytes.AsSpan(_offset, _length));

    public readonly bool Equals(DeferredText other)
    {
        object? mine = _value, theirs = other._value;
        if (mine is byte[] a && theirs is byte[] b) return a.AsSpan(_offset, _length).SequenceEqual(b.AsSpan(other._offset, other._length));
        return string.Equals(Decoded(mine), other.Decoded(theirs), StringComparison.Ordinal);
    }

    public override readonly bool Equals(object? obj) => obj is DeferredText other && Equals(other);

    public override readonly int GetHashCode() => Decoded(_value)?.GetHashCode(StringComparison.Ordinal) ?? 0;

    public override readonly string? ToString() => Decoded(_value);

    // The value without remembering it: readonly members (equality, hashing) may run on a copy.
    private readonly string? Decoded(object? value) => value is byte[] utf8 ? Encoding.UTF8.GetString(utf8, _offset, _length) : (string?)value;
}
