namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// An operation's typed details as the invariant checker reads them: property name (camelCase) → text, with
/// null values and false flags left out, so "the journal recorded X" is "the bag has key X". Read by reflection
/// so that a field added to a details record is seen by the checker without a change here.
/// </summary>
internal static class DetailsBag
{
    public static IReadOnlyDictionary<string, string> Bag(this Operation operation)
    {
        var bag = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (operation.Details is not { } details) return bag;
        foreach (var property in details.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            var text = property.GetValue(details) switch
            {
                null or false => null,
                true => "true",
                var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            };
            if (text is not null && property.Name != "EqualityContract") bag[char.ToLowerInvariant(property.Name[0]) + property.Name[1..]] = text;
        }
        return bag;
    }
}
