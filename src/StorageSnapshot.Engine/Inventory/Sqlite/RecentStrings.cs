using System.Text;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// For one column of one listing: the last few distinct values seen, by their UTF-8 bytes, so that a value that
/// repeats (a volume's id, a state, the same tags on every nightly snapshot) becomes one shared object instead
/// of a new string or dictionary per row. Values that never repeat cost a few vectorised comparisons.
/// </summary>
/// <typeparam name="T">What a value is turned into (a string, a parsed dictionary, an enum).</typeparam>
internal sealed class RecentStrings<T>
{
    private readonly Func<string, T> _parse;
    private readonly (byte[] Utf8, T Value)[] _entries;
    private int _count;
    private int _next;

    /// <param name="parse">Turns a value's text into what the records hold.</param>
    /// <param name="capacity">How many distinct values to remember (small: they are compared in turn).</param>
    public RecentStrings(Func<string, T> parse, int capacity = 8)
    {
        _parse = parse;
        _entries = new (byte[], T)[capacity];
    }

    /// <summary>The value for <paramref name="utf8"/>: a remembered one when the bytes match, else parsed now.</summary>
    public T Get(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < _count; i++)
        {
            if (utf8.SequenceEqual(_entries[i].Utf8)) return _entries[i].Value;
        }
        var value = _parse(Encoding.UTF8.GetString(utf8));
        _entries[_next] = (utf8.ToArray(), value);
        _next = (_next + 1) % _entries.Length;
        if (_count < _entries.Length) _count++;
        return value;
    }
}
