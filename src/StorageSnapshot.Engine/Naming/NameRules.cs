using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Naming;

/// <summary>
/// Naming rules for backends, volumes, snapshots and secondary storages. Names become file names and URI parts
/// in drivers, so they are kept to a portable alphabet: nothing that can escape a directory or need quoting.
/// </summary>
public static partial class NameRules
{
    /// <summary>Longest name accepted.</summary>
    public const int MaxLength = 128;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex AllowedName();

    /// <summary>The problem with <paramref name="name"/> as a <paramref name="kind"/> name, or null if it is fine.</summary>
    public static string? Check(string kind, string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return $"The {kind} name is empty.";
        if (name.Length > MaxLength) return $"The {kind} name '{name[..32]}…' is {name.Length} characters long; at most {MaxLength} are allowed.";
        if (name.Contains("..", StringComparison.Ordinal)) return $"The {kind} name '{name}' contains '..', which is not allowed.";
        if (!AllowedName().IsMatch(name))
            return $"The {kind} name '{name}' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit (no spaces, slashes or other characters).";
        return null;
    }

    /// <summary>Throws InvalidName when <paramref name="name"/> breaks the rules.</summary>
    public static string Require(string kind, string? name)
    {
        var problem = Check(kind, name);
        if (problem is not null) throw new ValidationException(ErrorIds.InvalidName, problem, name);
        return name!;
    }
}
