namespace StorageSnapshot.Engine.Operations;

/// <summary>How objects are named in ShouldProcess targets, messages and errors (one spelling everywhere).</summary>
internal static class TargetNames
{
    /// <summary>"backend 'lab'".</summary>
    public static string Backend(string name) => $"backend '{name}'";

    /// <summary>"volume 'db01' on backend 'lab'".</summary>
    public static string Volume(string backend, string name) => $"volume '{name}' on backend '{backend}'";

    /// <summary>"volume 'db01' on backend 'lab'".</summary>
    public static string Volume(Volume volume) => Volume(volume.Backend, volume.Name);

    /// <summary>"snapshot 'nightly' of volume 'db01' on backend 'lab'".</summary>
    public static string Snapshot(Snapshot snapshot) => $"snapshot '{snapshot.Name}' of {Volume(snapshot.Backend, snapshot.Volume)}";

    /// <summary>The text with its first letter upper-case (for a target name opening a sentence).</summary>
    public static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>"'a', 'b' and 'c'" (at most <paramref name="max"/> names, then "and N more").</summary>
    public static string List(IEnumerable<string> names, int max = 10)
    {
        var all = names.Select(n => $"'{n}'").ToList();
        if (all.Count == 0) return "none";
        if (all.Count > max) return string.Join(", ", all.Take(max)) + $" and {all.Count - max} more";
        return all.Count == 1 ? all[0] : string.Join(", ", all.Take(all.Count - 1)) + " and " + all[^1];
    }
}
