using System.Globalization;

namespace StorageSnapshot.Benchmarks.Support;

/// <summary>The suites' command-line options: <c>--name value</c> pairs after the suite's name.</summary>
internal static class BenchmarkArguments
{
    /// <summary>The value after <paramref name="name"/>, or null when the option is absent or has no value.</summary>
    public static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>The positive integer after <paramref name="name"/>; <paramref name="fallback"/> when absent, not a number or not above 0.</summary>
    public static int Option(string[] args, string name, int fallback) =>
        int.TryParse(Option(args, name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
