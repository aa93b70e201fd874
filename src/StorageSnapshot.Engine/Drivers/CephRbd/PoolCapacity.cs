using System.Globalization;
using System.Text.Json;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// What the cluster can tell before an image is made (<see cref="IDriverBackend.CheckNewVolumeAsync"/>). RBD images
/// are thin: creating one larger than the free space or the pool's quota succeeds, and writes fail once the pool is
/// full — so those are warnings. A pool already full or at its quota refuses the image outright: that is a
/// problem. The figures come from the monitors (`ceph df`, `ceph osd pool get-quota`); a user whose caps do not allow
/// those commands gets no figures, and no check.
/// </summary>
internal static class PoolCapacity
{
    public static CapacityCheck Check(CephSession session, long sizeBytes)
    {
        var pool = session.Settings.DataPool ?? session.Settings.Pool;
        var problems = new List<string>();
        var warnings = new List<string>();

        using (var df = session.MonitorCommand("""{"prefix": "df", "format": "json"}"""))
        {
            var stats = df?.RootElement.TryGetProperty("pools", out var pools) == true
                ? pools.EnumerateArray().Where(p => p.TryGetProperty("name", out var n) && n.GetString() == pool).Select(p => p.GetProperty("stats")).Cast<JsonElement?>().FirstOrDefault()
                : null;
            if (stats is { } s && s.TryGetProperty("max_avail", out var available) && available.TryGetInt64(out var free))
            {
                if (free == 0)
                    problems.Add($"Pool '{pool}' is full (`ceph df` shows no space available): no image can be made in it until space is freed or OSDs are added.");
                else if (sizeBytes > free)
                    warnings.Add($"The volume ({Size(sizeBytes)}) is larger than the {Size(free)} still available to pool '{pool}': RBD images are thin-provisioned, and writes to it fail once the pool is full.");
            }
        }

        using (var quota = session.MonitorCommand($$"""{"prefix": "osd pool get-quota", "pool": {{JsonSerializer.Serialize(pool)}}, "format": "json"}"""))
        {
            if (quota is not null
                && quota.RootElement.TryGetProperty("quota_max_bytes", out var max) && max.TryGetInt64(out var maxBytes) && maxBytes > 0
                && quota.RootElement.TryGetProperty("current_num_bytes", out var used) && used.TryGetInt64(out var usedBytes))
            {
                if (usedBytes >= maxBytes)
                    problems.Add($"Pool '{pool}' has reached its quota of {Size(maxBytes)} (`ceph osd pool get-quota {pool}`): the cluster refuses writes to it.");
                else if (sizeBytes > maxBytes - usedBytes)
                    warnings.Add($"The volume ({Size(sizeBytes)}) is larger than the {Size(maxBytes - usedBytes)} left under pool '{pool}''s quota of {Size(maxBytes)}: writes to it fail once the quota is reached.");
            }
        }
        return new CapacityCheck(problems, warnings);
    }

    /// <summary>1.5 GiB, 512 MiB, 4 KiB, 100 bytes.</summary>
    internal static string Size(long bytes)
    {
        string[] units = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} bytes" : value.ToString(value >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
