using System.Management.Automation;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>
/// Guards a [string] name or id parameter that takes pipeline input by value (Remove-StorageVolume -Name,
/// Remove-StorageSnapshot -Id, ...). PowerShell converts any piped object to a string in its last binding step, so
/// without this a piped snapshot would become the "name" <c>Snapshot { Id = ... }</c> and fail with a misleading
/// not-found error, or a volume's id would be taken for a snapshot's. Objects of this module's model are refused
/// here with an error that says what was piped and what the parameter takes; the types in
/// <see cref="PassThrough"/> (what another parameter of the cmdlet binds by value) pass untouched so that binding
/// can give them to that parameter. Everything else (strings, numbers) passes to PowerShell's usual conversion.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NameOnlyAttribute : ArgumentTransformationAttribute
{
    /// <summary>Takes <paramref name="what"/> ("volume names"); lets objects of <paramref name="passThrough"/> through.</summary>
    public NameOnlyAttribute(string what, params Type[] passThrough)
    {
        What = what;
        PassThrough = passThrough;
    }

    /// <summary>What the parameter takes, in words ("snapshot ids").</summary>
    public string What { get; }

    /// <summary>Model types another parameter of the cmdlet binds by value.</summary>
    public IReadOnlyList<Type> PassThrough { get; }

    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is object[] many)
        {
            foreach (var item in many) Check(item is PSObject p ? p.BaseObject : item);
            return inputData;
        }
        Check(value);
        return inputData;
    }

    private void Check(object? value)
    {
        if (value is null || value is NameReference || PassThrough.Any(t => t.IsInstanceOfType(value))) return;
        if (value.GetType().Assembly != typeof(Snapshot).Assembly) return;
        var expected = PassThrough.Count == 0 ? "" : $" Pipe {string.Join(" or ", PassThrough.Select(t => t.Name + " objects"))} instead, or give {What}.";
        throw new ArgumentException($"This parameter takes {What}, not a {value.GetType().Name} object ({Describe(value)}).{expected}");
    }

    private static string Describe(object value) => value switch
    {
        Snapshot s => $"snapshot '{s.Name}' of volume '{s.Volume}' on backend '{s.Backend}'",
        Volume v => $"volume '{v.Name}' on backend '{v.Backend}'",
        Backend b => $"backend '{b.Name}'",
        SnapshotCopy c => $"copy {c.Id} of snapshot '{c.Snapshot}' on '{c.Destination}'",
        SecondaryStorage s => $"secondary storage '{s.Name}'",
        _ => value.GetType().Name,
    };
}
