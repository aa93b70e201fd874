using StorageSnapshot.HelpGenerator;

// Usage: StorageSnapshot.HelpGenerator --repo <root> --out <module folder> --version <x.y.z> [--mirror <folder>]
// Exit code 1 with one message per problem when the docs or the manifest are not usable.
var options = CommandLine.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: StorageSnapshot.HelpGenerator --repo <root> --out <module folder> --version <x.y.z> [--mirror <folder>]");
    return 2;
}

var problems = new List<string>();
ModuleManifest.Write(options, problems);
HelpBuilder.Write(options, problems);
foreach (var problem in problems) Console.Error.WriteLine($"error SSHELP: {problem}");
return problems.Count == 0 ? 0 : 1;
