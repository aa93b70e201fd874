using System.Globalization;

namespace StorageSnapshot.Engine.Naming;

/// <summary>Default snapshot names: <c>&lt;volume&gt;-&lt;yyyyMMdd-HHmmss&gt;</c> in UTC, with -2, -3, ... when taken.</summary>
internal static class SnapshotNames
{
    /// <summary>The default name of a snapshot of <paramref name="volume"/> taken at <paramref name="utc"/>.</summary>
    public static string Default(string volume, DateTime utc)
    {
        var stamp = utc.ToUniversalTime().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        // Keep room for the stamp and a "-NNN" suffix within the name length limit.
        var room = NameRules.MaxLength - stamp.Length - 1 - 4;
        var prefix = volume.Length > room ? volume[..room] : volume;
        return $"{prefix}-{stamp}";
    }

    /// <summary><paramref name="name"/> with the suffix -<paramref name="n"/>.</summary>
    public static string WithSuffix(string name, int n) => $"{name}-{n.ToString(CultureInfo.InvariantCulture)}";
}
