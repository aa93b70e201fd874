namespace StorageSnapshot.Engine.Platform;

/// <summary>
/// An absolute path with every symbolic link along it resolved (what realpath(3) gives), computed with .NET's own
/// link API so it works on every platform. Parts that do not exist are kept as written.
/// </summary>
internal static class CanonicalPath
{
    /// <summary>More links than this in one path is a loop (Linux's own limit is 40).</summary>
    private const int MaximumLinks = 40;

    /// <summary>The canonical form of <paramref name="path"/>, without a trailing separator.</summary>
    public static string Resolve(string path)
    {
        var links = 0;
        return Resolve(System.IO.Path.GetFullPath(path), ref links);
    }

    private static string Resolve(string full, ref int links)
    {
        var root = System.IO.Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = System.IO.Path.Combine(current, part);
            FileSystemInfo? target = null;
            try
            {
                var info = new FileInfo(next);
                if (info.LinkTarget is not null) target = info.ResolveLinkTarget(returnFinalTarget: false);
            }
            catch (IOException)
            {
                // Unreadable or looping: keep the path as written.
            }
            if (target is not null)
            {
                if (++links > MaximumLinks) return System.IO.Path.TrimEndingDirectorySeparator(full);
                next = Resolve(System.IO.Path.GetFullPath(target.FullName), ref links);
            }
            current = next;
        }
        return System.IO.Path.TrimEndingDirectorySeparator(current);
    }
}
