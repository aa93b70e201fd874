using System.Management.Automation;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>
/// Paths as PowerShell users type them — relative to the current location, '~', a PSDrive such as TestDrive: —
/// made absolute through the provider, on the pipeline thread, before the engine sees them: the engine takes
/// absolute file-system paths only. Used for every path a cmdlet takes (Register-SecondaryStorage -Path and the
/// Path-typed properties of Register-/Set-StorageBackend -Property), so both are resolved the same way.
/// </summary>
internal static class ProviderPaths
{
    /// <summary>
    /// The absolute file-system path of <paramref name="path"/> (which need not exist), or null with
    /// <paramref name="error"/> when it is on another provider (Env:, HKLM:) or names a drive that does not exist.
    /// </summary>
    public static string? Resolve(PSCmdlet cmdlet, string path, string what, out ErrorRecord? error)
    {
        error = null;
        try
        {
            var resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (provider.Name == "FileSystem") return resolved;
            error = Cmdlets.ErrorRecords.InvalidArgument($"{what} must be a file-system path; '{path}' is on the {provider.Name} provider.", path);
        }
        catch (Exception e) when (e is System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or ArgumentException or NotSupportedException)
        {
            error = Cmdlets.ErrorRecords.InvalidArgument($"{what}: '{path}' cannot be resolved: {e.Message}", path);
        }
        return null;
    }

    /// <summary>
    /// Resolves, in place, the values of the Path-typed properties of <paramref name="schema"/> that
    /// <paramref name="properties"/> holds: strings through the provider, FileSystemInfo objects to their full name.
    /// False with <paramref name="error"/> on the first that cannot be.
    /// </summary>
    public static bool ResolvePathProperties(PSCmdlet cmdlet, Dictionary<string, object?> properties, IReadOnlyList<PropertyInfo>? schema, out ErrorRecord? error)
    {
        error = null;
        if (schema is null) return true;
        foreach (var definition in schema.Where(p => p.Type == PropertyType.Path))
        {
            var key = properties.Keys.FirstOrDefault(k => string.Equals(k, definition.Name, StringComparison.OrdinalIgnoreCase));
            if (key is null) continue;
            switch (properties[key])
            {
                case FileSystemInfo info:
                    properties[key] = info.FullName;
                    break;
                case string text when text.Length > 0:
                    var resolved = Resolve(cmdlet, text, $"Property '{definition.Name}'", out error);
                    if (resolved is null) return false;
                    properties[key] = resolved;
                    break;
            }
        }
        return true;
    }
}
