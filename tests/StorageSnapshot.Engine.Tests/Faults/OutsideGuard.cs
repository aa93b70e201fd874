using System.Security.Cryptography;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// "Nothing outside the backend and repository directories touched", made checkable: the world's root may hold
/// only home/, backend/, repo/, outside/ and child/. outside/ is planted with decoys that look like what the
/// engine writes and deletes — a volume image, a snapshot image, a chunk in its fan-out folder, stale files in a
/// tmp/ folder, dot-temporaries, a lock — old enough for any grace period; they must keep their bytes, sizes and
/// times. child/ holds the working directory, HOME and TMPDIR of the child processes, which must stay empty.
/// </summary>
internal sealed class OutsideGuard
{
    private static readonly string[] Allowed = { "home", "backend", "repo", "outside", "child" };
    private readonly string root;
    private IReadOnlyList<string> fingerprint = Array.Empty<string>();

    public OutsideGuard(string root)
    {
        this.root = root;
        OutsidePath = Path.Combine(root, "outside");
        ChildWorkingDirectory = Path.Combine(root, "child", "cwd");
        ChildHome = Path.Combine(root, "child", "home");
        ChildTemp = Path.Combine(root, "child", "tmp");
    }

    public string OutsidePath { get; }
    public string ChildWorkingDirectory { get; }
    public string ChildHome { get; }
    public string ChildTemp { get; }

    public void Plant()
    {
        foreach (var directory in new[] { ChildWorkingDirectory, ChildHome, ChildTemp }) Directory.CreateDirectory(directory);
        var random = new Random(8);
        var digest = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        var decoys = new[]
        {
            "volumes/decoy.img",
            "volumes/.decoy.img.0123456789abcdef0123456789abcdef.tmp",
            "snapshots/decoy/01JDECOY0000000000000000000.img",
            $"chunks/{digest[..2]}/{digest}",
            $"tmp/{digest}.0123456789abcdef0123456789abcdef.tmp",
            "tmp/01JDECOY0000000000000000000.0123456789abcdef0123456789abcdef.manifest.tmp",
            "tmp/users-own-notes.txt",
            "manifests/01JDECOY0000000000000000000.manifest",
            "locks/repository.lock",
            "inventory.db",
        };
        var old = DateTime.UtcNow.AddDays(-30);
        foreach (var decoy in decoys)
        {
            var path = Path.Combine(OutsidePath, decoy);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[4096 + random.Next(4096)];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            File.SetLastWriteTimeUtc(path, old);
        }
        fingerprint = Fingerprint();
    }

    /// <summary>Every way the outside was touched, in words; empty when it was not.</summary>
    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName))
        {
            if (!Allowed.Contains(entry)) problems.Add($"'{entry}' appeared beside the backend and the repository");
        }
        var now = Fingerprint();
        foreach (var gone in fingerprint.Except(now)) problems.Add($"decoy changed or removed: {gone}");
        foreach (var added in now.Except(fingerprint)) problems.Add($"outside/ gained or changed: {added}");
        foreach (var directory in new[] { ChildWorkingDirectory, ChildHome, ChildTemp })
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
                problems.Add($"a child process left '{Path.GetRelativePath(root, entry)}'");
        }
        return problems;
    }

    private IReadOnlyList<string> Fingerprint() =>
        Directory.EnumerateFileSystemEntries(OutsidePath, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => File.Exists(path)
                ? $"{Path.GetRelativePath(OutsidePath, path)} {new FileInfo(path).Length} {File.GetLastWriteTimeUtc(path).Ticks} {ImageHash.OfFile(path)}"
                : $"{Path.GetRelativePath(OutsidePath, path)}/")
            .ToList();
}
