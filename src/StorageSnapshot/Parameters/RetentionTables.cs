using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>
/// -Retention and -CopyRetention: a hashtable of counts (Last, Hourly, Daily, Weekly, Monthly, Yearly) and a MaxAge
/// (a TimeSpan, or anything PowerShell converts to one: '90.00:00:00', (New-TimeSpan -Days 90)).
/// </summary>
internal static class RetentionTables
{
    private static readonly string[] Keys = { "Last", "Hourly", "Daily", "Weekly", "Monthly", "Yearly", "MaxAge" };

    /// <summary>The rules, or InvalidArgument naming every key or value that is wrong.</summary>
    public static RetentionRules? ToRules(IDictionary? table, string parameter)
    {
        if (table is null) return null;
        var rules = new RetentionRules();
        var problems = new List<string>();
        foreach (DictionaryEntry entry in table)
        {
            var key = Convert.ToString(entry.Key is PSObject k ? k.BaseObject : entry.Key, CultureInfo.InvariantCulture) ?? "";
            var value = entry.Value is PSObject v ? v.BaseObject : entry.Value;
            var known = Keys.FirstOrDefault(n => string.Equals(n, key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                problems.Add($"-{parameter} has the key '{key}'; the keys are {string.Join(", ", Keys)}.");
                continue;
            }
            try
            {
                rules = known switch
                {
                    "MaxAge" => rules with { MaxAge = LanguagePrimitives.ConvertTo<TimeSpan>(value) },
                    "Last" => rules with { Last = LanguagePrimitives.ConvertTo<int>(value) },
                    "Hourly" => rules with { Hourly = LanguagePrimitives.ConvertTo<int>(value) },
                    "Daily" => rules with { Daily = LanguagePrimitives.ConvertTo<int>(value) },
                    "Weekly" => rules with { Weekly = LanguagePrimitives.ConvertTo<int>(value) },
                    "Monthly" => rules with { Monthly = LanguagePrimitives.ConvertTo<int>(value) },
                    _ => rules with { Yearly = LanguagePrimitives.ConvertTo<int>(value) },
                };
            }
            catch (PSInvalidCastException)
            {
                problems.Add($"-{parameter} {known} is '{value}', which is not {(known == "MaxAge" ? "a time span" : "a whole number")}.");
            }
        }
        if (problems.Count > 0) throw new ValidationException(ErrorIds.InvalidArgument, problems, table);
        return rules;
    }
}
