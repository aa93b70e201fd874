using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>
/// Makes a parameter that names an object of the module (-Backend, -Volume, -Destination, -Snapshot, ...) take the
/// object itself or its name, the way PowerCLI's name-or-object parameters do. Paired with
/// <see cref="PSTypeNameAttribute"/> on an <c>object</c> (or <c>object[]</c>) parameter, so that the syntax shows the
/// object's type (<c>-Volume &lt;Volume&gt;</c>) and PowerShell itself refuses anything else with
/// MismatchedPSTypeName:
/// <list type="bullet">
/// <item>an object of <see cref="ObjectType"/> passes as it is;</item>
/// <item>a string (or a number, which PowerShell's parser may make of a name) becomes a <see cref="NameReference"/>
/// wrapped in a PSObject that carries the object's type name, so the PSTypeName check accepts it;</item>
/// <item>anything else passes unchanged and the PSTypeName check refuses it — on the command line as an error
/// naming the parameter, from the pipeline by leaving the parameter unbound.</item>
/// </list>
/// No lookup happens here (binding does no I/O): the cmdlet resolves names through the engine when it runs, with
/// the other parameters (-Backend) known by then. Read the bound value with <see cref="NamedObject"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NamedObjectAttribute : ArgumentTransformationAttribute
{
    /// <summary>Takes objects of <paramref name="objectType"/> or their names.</summary>
    public NamedObjectAttribute(Type objectType)
    {
        ObjectType = objectType;
    }

    /// <summary>The type of the objects the parameter names.</summary>
    public Type ObjectType { get; }

    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is null or string || value.GetType().IsPrimitive) return Element(inputData);
        if (value is IEnumerable many && value is not IDictionary)
        {
            return many.Cast<object?>().Select(Element).ToArray();
        }
        return inputData;
    }

    private object? Element(object? item)
    {
        var value = item is PSObject wrapped ? wrapped.BaseObject : item;
        switch (value)
        {
            case null:
                return null;
            case NameReference:
                return item;
            case string name:
                return NameReference.Wrap(name, ObjectType);
            default:
                if (ObjectType.IsInstanceOfType(value)) return item;
                if (value.GetType().IsPrimitive)
                    return NameReference.Wrap(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", ObjectType);
                return item;
        }
    }
}

/// <summary>
/// A name given where an object of the module is expected: what <see cref="NamedObjectAttribute"/> makes of a
/// string. Wrapped in a PSObject whose type names start with the object's type name, so the parameter's
/// PSTypeName check accepts it; never written to the pipeline.
/// </summary>
public sealed class NameReference
{
    private NameReference(string name)
    {
        Name = name;
    }

    /// <summary>The name (or pattern, or id) as given.</summary>
    public string Name { get; }

    internal static PSObject Wrap(string name, Type objectType)
    {
        // A fresh object each time: the type name added to its PSObject must not stick to a shared string.
        var wrapped = new PSObject(new NameReference(name));
        wrapped.TypeNames.Insert(0, objectType.FullName!);
        return wrapped;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Reads the value of a <see cref="NamedObjectAttribute"/> parameter: the object, or the name given.</summary>
internal static class NamedObject
{
    /// <summary>The object of type <typeparamref name="T"/>, or null when a name was given.</summary>
    public static T? ObjectOf<T>(object? value) where T : class => Unwrap(value) as T;

    /// <summary>The name given, or the object's name (via <paramref name="nameOf"/>).</summary>
    public static string? NameOf<T>(object? value, Func<T, string> nameOf) where T : class => Unwrap(value) switch
    {
        T item => nameOf(item),
        NameReference reference => reference.Name,
        string text => text,
        null => null,
        var other => other.ToString(),
    };

    /// <summary>The elements of an array-valued parameter, unwrapped.</summary>
    public static IReadOnlyList<object> Elements(object? value) => Unwrap(value) switch
    {
        null => [],
        object[] many => many.Select(Unwrap).OfType<object>().ToArray(),
        var one => [one],
    };

    /// <summary>The names of an array-valued parameter (names as given, objects by <paramref name="nameOf"/>); null when not given.</summary>
    public static IReadOnlyList<string>? Names<T>(object? value, Func<T, string> nameOf) where T : class =>
        value is null ? null : Elements(value).Select(e => NameOf(e, nameOf)).OfType<string>().ToArray();

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
