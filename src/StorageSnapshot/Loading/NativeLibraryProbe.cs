using System.Runtime.InteropServices;

namespace StorageSnapshot.Commands.Loading;

/// <summary>Finds a native library under <c>runtimes/&lt;rid&gt;/native/</c> the way the host would for an app.</summary>
internal static class NativeLibraryProbe
{
    /// <summary>The library's path, or null when none of the candidate runtime folders has it.</summary>
    public static string? Find(string dependencyDirectory, string libraryName)
    {
        foreach (var rid in CandidateRuntimeIdentifiers())
        {
            var native = Path.Combine(dependencyDirectory, "runtimes", rid, "native");
            foreach (var fileName in CandidateFileNames(libraryName))
            {
                var path = Path.Combine(native, fileName);
                if (File.Exists(path)) return path;
            }
        }
        foreach (var fileName in CandidateFileNames(libraryName))
        {
            var path = Path.Combine(dependencyDirectory, fileName);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>
    /// The runtime's own RID first (portable on .NET 8+, e.g. linux-x64; distro-specific on older hosts), then
    /// the portable RIDs the SQLite package ships for this OS and architecture (musl before glibc on musl systems).
    /// </summary>
    public static IEnumerable<string> CandidateRuntimeIdentifiers()
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var candidates = new List<string> { RuntimeInformation.RuntimeIdentifier };
        if (OperatingSystem.IsWindows()) candidates.Add($"win-{arch}");
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst()) candidates.Add($"osx-{arch}");
        else if (OperatingSystem.IsLinux())
        {
            if (IsMusl()) candidates.Add($"linux-musl-{arch}");
            candidates.Add($"linux-{arch}");
        }
        foreach (var rid in candidates)
        {
            if (seen.Add(rid)) yield return rid;
        }
    }

    /// <summary>e_sqlite3 → e_sqlite3, libe_sqlite3.so / .dylib, e_sqlite3.dll, as the platform spells it.</summary>
    public static IEnumerable<string> CandidateFileNames(string libraryName)
    {
        var name = Path.GetFileName(libraryName);
        yield return name;
        var suffix = OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() ? ".dylib" : ".so";
        var bare = name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? name[..^suffix.Length] : name;
        if (!OperatingSystem.IsWindows() && !bare.StartsWith("lib", StringComparison.Ordinal)) yield return "lib" + bare + suffix;
        yield return bare + suffix;
    }

    private static bool IsMusl() =>
        RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase)
        || System.IO.Directory.Exists("/lib") && System.IO.Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
}
