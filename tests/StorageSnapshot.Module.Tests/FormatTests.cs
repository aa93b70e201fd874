using System.Xml.Linq;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>Every object the cmdlets write has a table and a list view; the type data the binding relies on exists.</summary>
public sealed class FormatTests
{
    private static XDocument Format => XDocument.Load(Path.Combine(BuiltModule.Directory, "StorageSnapshot.Format.ps1xml"));
    private static XDocument Types => XDocument.Load(Path.Combine(BuiltModule.Directory, "StorageSnapshot.Types.ps1xml"));

    public static TheoryData<string> OutputTypes => new(
        BuiltModule.Cmdlets.SelectMany(c => c.OutputTypes).Where(t => t != "System.Void").Distinct().Append("StorageSnapshot.Operation"));

    [Theory]
    [MemberData(nameof(OutputTypes))]
    public void Every_output_type_has_a_table_view_and_a_list_view(string typeName)
    {
        var views = Format.Descendants("View").Where(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value == typeName)).ToArray();
        Assert.Contains(views, v => v.Element("TableControl") is not null);
        Assert.Contains(views, v => v.Element("ListControl") is not null);
    }

    [Fact]
    public void Table_views_have_as_many_column_items_as_headers()
    {
        var wrong = Format.Descendants("TableControl")
            .Where(t => t.Descendants("TableColumnHeader").Count() != t.Descendants("TableColumnItem").Count())
            .Select(t => t.Parent!.Element("Name")!.Value);
        Assert.Empty(wrong);
    }

    [Fact]
    public void The_snapshot_table_shows_the_columns_users_rely_on()
    {
        var table = Format.Descendants("View").Single(v => v.Element("Name")!.Value == "StorageSnapshot.Snapshot.Table");
        var headers = table.Descendants("TableColumnHeader").Select(h => h.Element("Label")!.Value);
        Assert.Equal(["Name", "Volume", "State", "Size", "Created", "Tags"], headers);
    }

    [Theory]
    [InlineData("StorageSnapshot.Backend", "Backend", "Name")]
    [InlineData("StorageSnapshot.Volume", "Volume", "Name")]
    public void Alias_properties_let_objects_bind_by_property_name(string typeName, string alias, string target)
    {
        var type = Types.Root!.Elements("Type").Single(t => t.Element("Name")!.Value == typeName);
        var property = type.Descendants("AliasProperty").Single(a => a.Element("Name")!.Value == alias);
        Assert.Equal(target, property.Element("ReferencedMemberName")!.Value);
    }

    [Fact]
    public void Every_property_a_view_shows_exists_on_the_object_or_in_the_type_data()
    {
        var abstractions = System.Reflection.Assembly.LoadFile(Path.Combine(BuiltModule.Directory, "StorageSnapshot.Abstractions.dll"));
        var problems = new List<string>();
        foreach (var view in Format.Descendants("View"))
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var clr = abstractions.GetType(typeName)?.GetProperties().Select(p => p.Name) ?? [];
            var ets = Types.Root!.Elements("Type").Where(t => t.Element("Name")!.Value == typeName)
                .SelectMany(t => t.Element("Members")!.Elements()).Select(m => m.Element("Name")!.Value);
            var known = clr.Concat(ets).ToHashSet(StringComparer.OrdinalIgnoreCase);
            problems.AddRange(view.Descendants("PropertyName").Select(p => p.Value).Where(p => !known.Contains(p))
                .Select(p => $"{view.Element("Name")!.Value}: {p}"));
            // Script blocks read $_.<Property>; those must exist too (on the object, or on the nested objects a
            // script block iterates: a hashtable entry's Key/Value, a driver's PropertyInfo entries).
            var nested = abstractions.GetType("StorageSnapshot.PropertyInfo")!.GetProperties().Select(p => p.Name).Append("Key").Append("Value");
            problems.AddRange(view.Descendants("ScriptBlock")
                .SelectMany(b => System.Text.RegularExpressions.Regex.Matches(b.Value, @"\$_\.(\w+)").Select(m => m.Groups[1].Value))
                .Where(p => !known.Contains(p) && !nested.Contains(p))
                .Select(p => $"{view.Element("Name")!.Value}: $_.{p}"));
        }
        Assert.Empty(problems);
    }

    [Fact]
    public void Every_type_the_format_views_select_exists_in_the_object_model()
    {
        var abstractions = System.Reflection.Assembly.LoadFile(Path.Combine(BuiltModule.Directory, "StorageSnapshot.Abstractions.dll"));
        var missing = Format.Descendants("TypeName").Select(t => t.Value).Distinct().Where(name => abstractions.GetType(name) is null);
        Assert.Empty(missing);
    }
}
