using System.Reflection;

namespace StorageSnapshot.Module.Tests.Infrastructure;

/// <summary>What PowerShell would read from a cmdlet class's attributes, read from metadata.</summary>
public sealed record CmdletClass(Type Type, string Verb, string Noun)
{
    public const string AllParameterSets = "__AllParameterSets";

    public string Name => $"{Verb}-{Noun}";

    private CustomAttributeData CmdletAttribute => Type.GetCustomAttributesData().Single(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");

    public bool SupportsShouldProcess => Named<bool>(CmdletAttribute, "SupportsShouldProcess");

    /// <summary>ConfirmImpact by name (None, Low, Medium, High); Medium when not given, as in PowerShell.</summary>
    public string ConfirmImpact => Named<int?>(CmdletAttribute, "ConfirmImpact") switch
    {
        0 => "None",
        1 => "Low",
        3 => "High",
        _ => "Medium",
    };

    public string DefaultParameterSetName => Named<string>(CmdletAttribute, "DefaultParameterSetName") ?? AllParameterSets;

    /// <summary>Types named by [OutputType] attributes.</summary>
    public IReadOnlyList<string> OutputTypes =>
        Type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> many ? many : [arg])
            .Select(arg => arg.Value switch { Type t => t.FullName!, string s => s, _ => "" })
            .ToArray();

    public IReadOnlyList<CmdletParameter> Parameters =>
        Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(CmdletParameter.TryRead).OfType<CmdletParameter>().ToArray();

    /// <summary>The parameter-set names the cmdlet declares (__AllParameterSets only when it declares none).</summary>
    public IReadOnlyList<string> ParameterSetNames
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets).Select(s => s.Name).Where(n => n != AllParameterSets).Distinct().ToList();
            return named.Count > 0 ? named : [AllParameterSets];
        }
    }

    /// <summary>The parameters that take part in a set (those declared for it and those in all sets).</summary>
    public IEnumerable<(CmdletParameter Parameter, ParameterSet Set)> InSet(string set) =>
        Parameters.SelectMany(p => p.Sets.Where(s => s.Name == set || s.Name == AllParameterSets).Select(s => (p, s)));

    public static CmdletClass? TryRead(Type type)
    {
        var attribute = type.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
        return attribute is null ? null : new CmdletClass(type, (string)attribute.ConstructorArguments[0].Value!, (string)attribute.ConstructorArguments[1].Value!);
    }

    internal static T? Named<T>(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name) return (T?)argument.TypedValue.Value;
        }
        return default;
    }
}

/// <summary>One [Parameter] attribute: the parameter's behaviour in one set.</summary>
public sealed record ParameterSet(string Name, bool Mandatory, int Position, bool ValueFromPipeline, bool ValueFromPipelineByPropertyName);

/// <summary>A cmdlet parameter (a property with [Parameter] attributes).</summary>
public sealed record CmdletParameter(PropertyInfo Property, IReadOnlyList<ParameterSet> Sets)
{
    public string Name => Property.Name;

    public bool SupportsWildcards => Property.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.SupportsWildcardsAttribute");

    /// <summary>
    /// The type as help and the syntax show it: String[], Int64, SwitchParameter, Snapshot (Nullable unwrapped); for a
    /// name-or-object parameter ([PSTypeName] on an object parameter) the named type, as PowerShell's syntax shows it
    /// (Volume, Backend[]).
    /// </summary>
    public string TypeName
    {
        get
        {
            var type = Property.PropertyType;
            if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1") type = type.GetGenericArguments()[0];
            var psTypeName = Property.GetCustomAttributesData()
                .FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.PSTypeNameAttribute")?.ConstructorArguments[0].Value as string;
            return psTypeName is null ? type.Name : psTypeName.Split('.')[^1] + (type.IsArray ? "[]" : "");
        }
    }

    public static CmdletParameter? TryRead(PropertyInfo property)
    {
        var sets = property.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute")
            .Select(a => new ParameterSet(
                CmdletClass.Named<string>(a, "ParameterSetName") ?? CmdletClass.AllParameterSets,
                CmdletClass.Named<bool>(a, "Mandatory"),
                CmdletClass.Named<int?>(a, "Position") ?? int.MinValue,
                CmdletClass.Named<bool>(a, "ValueFromPipeline"),
                CmdletClass.Named<bool>(a, "ValueFromPipelineByPropertyName")))
            .ToArray();
        return sets.Length == 0 ? null : new CmdletParameter(property, sets);
    }
}
