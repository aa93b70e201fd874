using System.Globalization;

namespace StorageSnapshot.Drivers;

/// <summary>
/// One property a driver takes. <see cref="Validate"/> checks a value that already has the right type and
/// returns a sentence describing the problem, or null; <see cref="Canonicalize"/>, when given, then turns a valid
/// value into its one spelling (what is stored and compared). <see cref="LocatesData"/> marks a property that says
/// where the backend's data is (a directory, a pool, an endpoint): it cannot change while the backend has
/// volumes, because their stored references and locations would then name other data.
/// </summary>
public sealed record PropertyDefinition(
    string Name,
    PropertyType Type,
    string Description,
    bool Required = false,
    bool Secret = false,
    string? DefaultValue = null,
    Func<string, string?>? Validate = null,
    bool LocatesData = false,
    Func<string, string>? Canonicalize = null,
    CredentialPart Credential = CredentialPart.None)
{
    /// <summary>A secret: declared so, or filled from a credential's password.</summary>
    public bool IsSecret => Secret || Credential == CredentialPart.Password;

    /// <summary>The public view.</summary>
    public PropertyInfo ToInfo() => new()
    {
        Name = Name, Type = Type, Required = Required, Secret = IsSecret, DefaultValue = DefaultValue, Description = Description, LocatesData = LocatesData,
        Credential = Credential,
    };
}

/// <summary>
/// A driver's property schema. <see cref="Normalize"/> turns what the user gave (a PowerShell hashtable's
/// values) into canonical strings and reports every problem at once, one sentence each, so that a user fixes
/// them all in one go.
/// </summary>
public sealed class PropertySchema
{
    /// <summary>Creates a schema.</summary>
    public PropertySchema(params PropertyDefinition[] properties)
    {
        Properties = properties;
    }

    /// <summary>The properties, in display order.</summary>
    public IReadOnlyList<PropertyDefinition> Properties { get; }

    /// <summary>The schema of a driver that takes no properties.</summary>
    public static PropertySchema Empty { get; } = new();

    /// <summary>
    /// Validates and canonicalises <paramref name="given"/> (null means none). With <paramref name="existing"/>,
    /// the values are an update merged over it (a null value removes an optional property).
    /// Returns the canonical values, or the problems found (never both).
    /// </summary>
    public PropertyValidationResult Normalize(IReadOnlyDictionary<string, object?>? given, IReadOnlyDictionary<string, string>? existing = null)
    {
        var problems = new List<string>();
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (existing is not null)
        {
            foreach (var (key, value) in existing) result[key] = value;
        }

        foreach (var (key, raw) in given ?? new Dictionary<string, object?>())
        {
            var definition = Properties.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
            if (definition is null)
            {
                var known = Properties.Count == 0 ? "it takes none" : "known: " + string.Join(", ", Properties.Select(p => p.Name));
                problems.Add($"Unknown property '{key}' ({known}).");
                continue;
            }

            if (raw is null || (raw is string s && s.Length == 0))
            {
                if (definition.Required) problems.Add($"Property '{definition.Name}' is required and cannot be empty.");
                else result.Remove(definition.Name);
                continue;
            }

            var (canonical, typeProblem) = Convert(definition, raw);
            if (typeProblem is not null)
            {
                // A secret's value is never quoted back, not even a wrong one (it may be the right one, mistyped).
                problems.Add(definition.IsSecret ? $"Property '{definition.Name}' must be {Words(definition.Type)}; the value given is not shown (the property is secret)." : typeProblem);
                continue;
            }

            var ruleProblem = definition.Validate?.Invoke(canonical!);
            if (ruleProblem is not null)
            {
                problems.Add($"Property '{definition.Name}': {(definition.IsSecret ? SecretText.Mask(ruleProblem, new[] { canonical!, TextOf(raw) }) : ruleProblem)}");
                continue;
            }

            result[definition.Name] = definition.Canonicalize?.Invoke(canonical!) ?? canonical!;
        }

        foreach (var definition in Properties)
        {
            if (result.ContainsKey(definition.Name)) continue;
            if (definition.DefaultValue is not null) result[definition.Name] = definition.DefaultValue;
            else if (definition.Required && !problems.Any(p => p.Contains($"'{definition.Name}'", StringComparison.OrdinalIgnoreCase)))
                problems.Add($"Property '{definition.Name}' is required: {definition.Description}");
        }

        return problems.Count > 0 ? PropertyValidationResult.Failed(problems) : PropertyValidationResult.Ok(result);
    }

    /// <summary>A copy of <paramref name="values"/> with secret properties masked, for display and logs.</summary>
    public IReadOnlyDictionary<string, string> Redact(IReadOnlyDictionary<string, string> values)
    {
        var redacted = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            redacted[key] = IsSecret(key) ? SecretText.Mask() : value;
        }
        return redacted;
    }

    /// <summary>True when <paramref name="name"/> is a secret property of this schema.</summary>
    public bool IsSecret(string name) => Properties.Any(p => p.IsSecret && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The property a credential's <paramref name="part"/> fills, or null when the driver takes none.</summary>
    public PropertyDefinition? CredentialProperty(CredentialPart part) => Properties.FirstOrDefault(p => p.Credential == part);

    private static string Words(PropertyType type) => type switch
    {
        PropertyType.Integer => "an integer",
        PropertyType.Boolean => "true or false",
        PropertyType.Path => "an absolute path",
        PropertyType.Uri => "an absolute URI",
        _ => "text",
    };

    private static string TextOf(object raw) => raw switch
    {
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => raw.ToString() ?? string.Empty,
    };

    private static (string? Value, string? Problem) Convert(PropertyDefinition definition, object raw)
    {
        var text = TextOf(raw);

        switch (definition.Type)
        {
            case PropertyType.Integer:
                return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    ? (n.ToString(CultureInfo.InvariantCulture), null)
                    : (null, $"Property '{definition.Name}' must be an integer; got '{text}'.");
            case PropertyType.Boolean:
                if (raw is bool b) return (b ? "true" : "false", null);
                return bool.TryParse(text, out var parsed)
                    ? (parsed ? "true" : "false", null)
                    : (null, $"Property '{definition.Name}' must be true or false; got '{text}'.");
            case PropertyType.Path:
                if (!System.IO.Path.IsPathFullyQualified(text))
                    return (null, $"Property '{definition.Name}' must be an absolute path; got '{text}'.");
                return (System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(text)), null);
            case PropertyType.Uri:
                return System.Uri.TryCreate(text, UriKind.Absolute, out var uri)
                    ? (uri.ToString(), null)
                    : (null, $"Property '{definition.Name}' must be an absolute URI; got '{text}'.");
            default:
                return (text, null);
        }
    }
}

/// <summary>Outcome of <see cref="PropertySchema.Normalize"/>.</summary>
public sealed record PropertyValidationResult(IReadOnlyDictionary<string, string>? Values, IReadOnlyList<string> Problems)
{
    /// <summary>True when there were no problems.</summary>
    public bool IsValid => Problems.Count == 0;

    internal static PropertyValidationResult Ok(IReadOnlyDictionary<string, string> values) => new(values, Array.Empty<string>());

    internal static PropertyValidationResult Failed(IReadOnlyList<string> problems) => new(null, problems);
}
