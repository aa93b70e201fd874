using System.Xml.Linq;

namespace StorageSnapshot.Module.Tests.Infrastructure;

/// <summary>
/// A model of how PowerShell binds one pipeline object to a cmdlet's parameters (CmdletParameterBinderController):
/// sets are narrowed by the command-line arguments, sets whose unbound mandatory parameters cannot come from the
/// pipeline drop out, then four steps run in order, each binding still-unbound parameters of still-valid sets:
/// by value without conversion, by property name without conversion, by value with conversion, by property name
/// with conversion (the default set's parameters first). Binding by property name sees ETS properties (the
/// alias properties of StorageSnapshot.Types.ps1xml). Conversion is modelled at its most permissive: anything
/// converts to [string] and [string[]] (ToString), so a binding this model does not make cannot happen either.
/// </summary>
public static class PipelineBindingModel
{
    public sealed record Result(IReadOnlyDictionary<string, string> Bound, IReadOnlyList<string> ValidSets);

    /// <summary>Binds <paramref name="inputTypeName"/> (a type full name, or System.String) piped into <paramref name="cmdletName"/>.</summary>
    public static Result Bind(string cmdletName, string inputTypeName, params string[] commandLine)
    {
        var cmdlet = BuiltModule.Cmdlets.Single(c => c.Name == cmdletName);
        var properties = PropertiesOf(inputTypeName);
        var bound = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var valid = cmdlet.ParameterSetNames.ToList();

        void Narrow(CmdletParameter parameter)
        {
            if (parameter.Sets.Any(s => s.Name == CmdletClass.AllParameterSets)) return;
            valid.RemoveAll(set => parameter.Sets.All(s => s.Name != set));
        }

        foreach (var name in commandLine)
        {
            var parameter = cmdlet.Parameters.Single(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            bound[parameter.Name] = "command line";
            Narrow(parameter);
        }
        valid.RemoveAll(set => cmdlet.InSet(set).Any(x => x.Set.Mandatory && !bound.ContainsKey(x.Parameter.Name)
                                                          && !x.Set.ValueFromPipeline && !x.Set.ValueFromPipelineByPropertyName));

        foreach (var (byValue, convert, label) in new[] { (true, false, "by value"), (false, false, "by property name"), (true, true, "by value with conversion"), (false, true, "by property name with conversion") })
        {
            var candidates = valid.OrderBy(set => set == cmdlet.DefaultParameterSetName ? 0 : 1)
                .SelectMany(set => cmdlet.InSet(set).Select(x => (x.Parameter, x.Set, SetName: set)))
                .ToArray();
            foreach (var (parameter, set, setName) in candidates)
            {
                if (bound.ContainsKey(parameter.Name) || !valid.Contains(setName)) continue;
                string? valueType = byValue
                    ? (set.ValueFromPipeline ? inputTypeName : null)
                    : (set.ValueFromPipelineByPropertyName && properties.TryGetValue(parameter.Name, out var propertyType) ? propertyType : null);
                if (valueType is null || !Accepts(parameter.Property.PropertyType, valueType, convert)) continue;
                bound[parameter.Name] = label;
                Narrow(parameter);
            }
        }
        return new Result(bound, valid);
    }

    private static bool Accepts(Type parameterType, string valueType, bool convert)
    {
        var target = parameterType.IsGenericType && parameterType.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? parameterType.GetGenericArguments()[0] : parameterType;
        var element = target.IsArray ? target.GetElementType()! : target;
        if (element.FullName == valueType || element.FullName == "System.Object") return true;
        if (!convert) return false;
        if (element.FullName == "System.String") return true;
        // Conversions the target type itself declares: implicit operators and one-argument constructors.
        return element.GetMethods().Any(m => m.Name == "op_Implicit" && m.GetParameters().Single().ParameterType.FullName == valueType)
               || element.GetConstructors().Any(c => c.GetParameters() is [{ } only] && only.ParameterType.FullName == valueType);
    }

    /// <summary>The input's properties as binding by property name sees them: CLR properties plus ETS members.</summary>
    private static Dictionary<string, string> PropertiesOf(string typeName)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (typeName == "System.String")
        {
            result["Length"] = "System.Int32";
            return result;
        }
        var type = BuiltModule.CmdletAssembly.GetReferencedAssemblies().Select(BuiltModule.LoadReferenced)
            .Select(a => a.GetType(typeName)).First(t => t is not null)!;
        foreach (var property in type.GetProperties()) result[property.Name] = property.PropertyType.FullName!;
        var types = XDocument.Load(Path.Combine(BuiltModule.Directory, "StorageSnapshot.Types.ps1xml"));
        foreach (var member in types.Root!.Elements("Type").Where(t => t.Element("Name")!.Value == typeName).SelectMany(t => t.Element("Members")!.Elements()))
        {
            var name = member.Element("Name")!.Value;
            result[name] = member.Name.LocalName == "AliasProperty" ? result[member.Element("ReferencedMemberName")!.Value] : "System.Object";
        }
        return result;
    }
}
