using System.Text;

namespace StorageSnapshot.Engine.Inventory.Rows;

/// <summary>
/// For one column of one listing: the last few distinct values seen, by their UTF-8 bytes, so that a value that
/// repeats (a volume's id, a state, the same tags on every nightly snapshot) becomes one shared object instead
/// of a new string or dictionary per row. Values that never repeat cost a few vectorised comparisons.
/// </summary>
/// <typeparam name="T">What a value is turned into (a string, a parsed dictionary, an enum).</typeparam>
internal sealed class RecentStrings<T>
{
    private readonly Func<string, T>? _parse;
    private readonly (byte[] Utf8, T Value)[] _entries;
    private int _count;
    private int _next;

    /// <param name="parse">Turns a value's text into what the records hold; null when values are only remembered and found.</param>
    /// <param name="capacity">How many distinct values to remember (small: they are compared in turn).</param>
    public RecentStrings(Func<string, T>? parse, int capacity = 8)
    {
        _parse = parse;
        _entries = new (byte[], T)[capacity];
    }

    /// <summary>The value for <paramref name="utf8"/>: a remembered one when the bytes match, else parsed now (and remembered).</summary>
    public T Get(ReadOnlySpan<byte> utf8)
    {
        if (TryFind(utf8, out var known)) return known;
        var value = (_parse ?? throw new InvalidOperationException("These values are only remembered, not parsed."))(Encoding.UTF8.GetString(utf8));
        Remember(utf8, value);
        return value;
    }

    /// <summary>Remembers <paramref name="value"/> for <paramref name="utf8"/>, forgetting the oldest value when full.</summary>
    public void Remember(ReadOnlySpan<byte> utf8, T value)
    {
        // The oldest entry's buffer is reused when the new value fits: a column of values that never repeat
        // (ids) then costs no allocation beyond the value itself.
        ref var entry = ref _entries[_next];
        var buffer = entry.Utf8 is { } old && old.Length == utf8.Length ? old : new byte[utf8.Length];
        utf8.CopyTo(buffer);
        entry = (buffer, value);
        _next = (_next + 1) % _entries.Length;
        if (_count < _entries.Length) _count++;
    }

    /// <summary>The remembered value for <paramref name="utf8"/>; false when it is not remembered (nothing is added).</summary>
    public bool TryFind(ReadOnlySpan<byte> utf8, out T value)
    {
        for (var i = 0; i < _count; i++)
        {
            if (utf8.SequenceEqual(_entries[i].Utf8))
            {
                value = _entries[i].Value;
                return true;
            }
        }
        value = default!;
        return false;
    }
}
