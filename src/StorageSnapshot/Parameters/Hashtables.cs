using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>Turns hashtable arguments (-Property, -Tag) into the engine's dictionaries.</summary>
internal static class Hashtables
{
    /// <summary>Keys as strings, values unwrapped from PSObject (null stays null: "remove this property").</summary>
    public static Dictionary<string, object?> ToObjects(IDictionary? table)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (table is null) return result;
        foreach (DictionaryEntry entry in table)
        {
            result[KeyOf(entry)] = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
        }
        return result;
    }

    /// <summary>Tag values as strings (PowerShell's own conversion, so 1 → "1" and $true → "True").</summary>
    public static Dictionary<string, string> ToStrings(IDictionary? table)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (table is null) return result;
        foreach (DictionaryEntry entry in table)
        {
            result[KeyOf(entry)] = entry.Value is null ? "" : LanguagePrimitives.ConvertTo<string>(entry.Value);
        }
        return result;
    }

    /// <summary>Like <see cref="ToStrings"/> but a $null value stays null (Set-StorageSnapshot: remove the tag).</summary>
    public static Dictionary<string, string?> ToNullableStrings(IDictionary? table)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (table is null) return result;
        foreach (DictionaryEntry entry in table)
        {
            result[KeyOf(entry)] = entry.Value is null ? null : LanguagePrimitives.ConvertTo<string>(entry.Value);
        }
        return result;
    }

    private static string KeyOf(DictionaryEntry entry) =>
        Convert.ToString(entry.Key is PSObject wrapped ? wrapped.BaseObject : entry.Key, CultureInfo.InvariantCulture) ?? "";
}
