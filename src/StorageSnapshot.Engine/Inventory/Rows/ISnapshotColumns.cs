namespace StorageSnapshot.Engine.Inventory.Rows;

/// <summary>
/// The current row of a snapshot query as one engine hands it out, for <see cref="SnapshotRows"/>: columns in the
/// order of the engines' snapshot select (id, volume id, volume name, backend, name, created, size, state,
/// description, tags, expires, client token, parent id, driver handle, location, details, error), text as UTF-8
/// bytes valid until the next row, so that a value that repeats or is rarely read never becomes a string here.
/// Implemented by structs (one per engine) so that the mapper's code is compiled for each and the calls inline.
/// </summary>
internal interface ISnapshotColumns
{
    /// <summary>The UTF-8 bytes of a column that is never NULL.</summary>
    ReadOnlySpan<byte> Utf8(int column);

    /// <summary>The UTF-8 bytes of a column whose values are never empty (ids): empty means NULL.</summary>
    ReadOnlySpan<byte> Utf8OrEmpty(int column);

    /// <summary>The UTF-8 bytes of a nullable column; false for NULL (an empty value is true and empty).</summary>
    bool TryUtf8(int column, out ReadOnlySpan<byte> utf8);

    /// <summary>The column's integer.</summary>
    long Int64(int column);

    /// <summary>The column's time (UTC), never NULL.</summary>
    DateTime Time(int column);

    /// <summary>The column's time (UTC), or null.</summary>
    DateTime? NullableTime(int column);
}
