using System.Text.Json;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// One run of <c>qemu-img map --output=json</c>: for each guest range, the layer (depth) that provides it, whether
/// any layer does (present), whether it reads as zeros, whether it holds data and where in that layer's file
/// (offset). Entries are sorted, contiguous and cover the whole virtual size.
/// </summary>
internal sealed record ImageMapEntry(long Start, long Length, int Depth, bool Present, bool Zero, bool Data, long? Offset)
{
    public long End => Start + Length;
}

/// <summary>Runs and parses qemu-img map.</summary>
internal static class ImageMap
{
    /// <summary>
    /// The map of <paramref name="image"/>, opened without taking qemu's locks (-U): only immutable snapshot layers
    /// are mapped, and a VM running on a clone may hold their read locks.
    /// </summary>
    public static async Task<IReadOnlyList<ImageMapEntry>> ReadAsync(string image, CancellationToken cancellationToken)
    {
        var json = await QemuTools.RunImgAsync(Path.GetDirectoryName(image)!,
            new[] { "map", "--output=json", "-U", "-f", "qcow2", image }, cancellationToken).ConfigureAwait(false);
        return Parse(json);
    }

    /// <summary>Parses the JSON array qemu-img map prints.</summary>
    public static IReadOnlyList<ImageMapEntry> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var entries = new List<ImageMapEntry>(document.RootElement.GetArrayLength());
        foreach (var element in document.RootElement.EnumerateArray())
        {
            entries.Add(new ImageMapEntry(
                element.GetProperty("start").GetInt64(),
                element.GetProperty("length").GetInt64(),
                element.GetProperty("depth").GetInt32(),
                // "present" is qemu 6.1 and later; before it, a range is present when it holds data or zeros of a layer.
                element.TryGetProperty("present", out var present) ? present.GetBoolean() : element.GetProperty("data").GetBoolean() || element.GetProperty("zero").GetBoolean(),
                element.GetProperty("zero").GetBoolean(),
                element.GetProperty("data").GetBoolean(),
                element.TryGetProperty("offset", out var offset) ? offset.GetInt64() : null));
        }
        return entries;
    }
}
