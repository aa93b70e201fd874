namespace StorageSnapshot.Engine.Inventory.Rows;

/// <summary>
/// Keeps the UTF-8 bytes of one listing's rarely read text values (a snapshot's driver handle, location, client
/// token) in a few shared arrays and hands out <see cref="DeferredText"/> values over them: no string per value
/// until a reader asks. The arrays start small (a listing of a few rows stays small) and double up to 64 KiB
/// (under the large-object threshold: short-lived like the rows). Bytes once handed out are never written again:
/// a record read after the next listing still decodes its own value.
/// </summary>
internal sealed class DeferredTextBuffer
{
    private const int FirstLength = 2048;
    private const int LargestLength = 64 * 1024;

    private byte[] _current = [];
    private int _used;

    /// <summary>A value holding a copy of <paramref name="utf8"/>.</summary>
    public DeferredText Add(ReadOnlySpan<byte> utf8)
    {
        if (_current.Length - _used < utf8.Length)
        {
            var next = Math.Clamp(_current.Length * 2, FirstLength, LargestLength);
            // Never zeroed: every byte a value names is written before the value is handed out.
            _current = GC.AllocateUninitializedArray<byte>(Math.Max(next, utf8.Length));
            _used = 0;
        }
        utf8.CopyTo(_current.AsSpan(_used));
        var value = DeferredText.OfUtf8(_current, _used, utf8.Length);
        _used += utf8.Length;
        return value;
    }
}
