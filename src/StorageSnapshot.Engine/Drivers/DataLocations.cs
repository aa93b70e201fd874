namespace StorageSnapshot.Engine.Drivers;

/// <summary>Compares the data locations drivers report (<see cref="IStorageDriver.DataLocation"/>).</summary>
internal static class DataLocations
{
    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> are the same place or one lies inside the other:
    /// equal, or a prefix ending at a '/' boundary (<c>file:///srv</c> contains <c>file:///srv/volumes</c> but not
    /// <c>file:///srv2</c>). Ordinal: locations are canonical already.
    /// </summary>
    public static bool Overlap(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a = a.TrimEnd('/');
        b = b.TrimEnd('/');
        return a == b || Contains(a, b) || Contains(b, a);
    }

    private static bool Contains(string outer, string inner) =>
        inner.Length > outer.Length && inner.StartsWith(outer, StringComparison.Ordinal) && inner[outer.Length] == '/';
}
