using StorageSnapshot.Benchmarks.EndToEnd;

namespace StorageSnapshot.Benchmarks.S3;

/// <summary>
/// The S3 steps as users run them: each cmdlet in a new pwsh 7.6.10 process (start-up and Import-Module included,
/// as a runbook or a prompt pays them), against `rclone copyto` of the same snapshot file to and from the same bucket
/// in the same run (order alternating between runs). A directory backend on a fresh XFS loop filesystem (reflink
/// snapshots, as in the e2e benchmark) holds a volume of random data; the secondary storage is registered with
/// <c>Register-SecondaryStorage -S3 -Credential</c> under its own prefix per run. Steps: Copy-SnapshotToSecondary
/// (full), the same after 1 % of the chunks changed, New-StorageVolume -FromCopy (restore into a new volume, compared
/// with the snapshot by cmp) and Restore-StorageSnapshot -FromCopy (in place, behind its safety snapshot); and pwsh
/// start + Import-Module + one inventory read, the part of every figure that is not the copy. Caches are not dropped
/// (the S3 path is bound by the gateway and the CPU, not the local disk; both tools read the same warm file).
/// </summary>
internal static class S3CmdletBenchmark
{
    private const int ChunkSize = 4 << 20;
    private const string Upload = "baseline: rclone copyto (upload)";
    private const string Download = "baseline: rclone copyto (download)";

    public static async Task RunAsync(S3Gateway gateway, CpuMeter meter, string bucket, long size, int runs, string? module, string[] args)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Console.Error.WriteLine("s3 --cmdlets: needs Linux and root (an XFS loop filesystem for the volume).");
            return;
        }
        var root = EndToEndBenchmark.FindRepositoryRoot();
        var manifest = PowerShellHost.ModuleManifest(root, module);
        var pwshPath = "";
        EndToEndBenchmark.Phase("setup: dotnet tool restore (pwsh 7.6.10)", () => pwshPath = PowerShellHost.FindPwsh(root));
        pwshPath = ReadyToRunPwsh.Choose(root, pwshPath, args);
        var table = new StepTable();
        for (var run = 1; run <= runs; run++)
        {
            Console.WriteLine($"cmdlets in pwsh 7.6.10, run {run}/{runs}:");
            using var filesystem = PerfLoopFilesystem.Create(4 * size + (1L << 30), LoopFilesystemKind.XfsReflink);
            var home = Directory.CreateDirectory(Path.Combine(filesystem.MountPoint, "home")).FullName;
            var volumes = Directory.CreateDirectory(Path.Combine(filesystem.MountPoint, "volumes")).FullName;
            var pwsh = PowerShellHost.Create(pwshPath, manifest, home, new Dictionary<string, string>
            {
                ["BENCH_VOLUMES"] = volumes, ["BENCH_ENDPOINT"] = gateway.Endpoint, ["BENCH_BUCKET"] = bucket, ["BENCH_PREFIX"] = $"cmdlets-{run}",
                ["BENCH_ACCESS_KEY"] = gateway.AccessKey, ["BENCH_SECRET_KEY"] = gateway.SecretKey,
            });
            var volume = pwsh.Run(
                "Register-StorageBackend -Name lab -Driver directory -Property @{ Path = $env:BENCH_VOLUMES }; " +
                "$key = [pscredential]::new($env:BENCH_ACCESS_KEY, (ConvertTo-SecureString $env:BENCH_SECRET_KEY -AsPlainText -Force)); " +
                "Register-SecondaryStorage -Name offsite -S3 -Endpoint $env:BENCH_ENDPOINT -Bucket $env:BENCH_BUCKET -Prefix $env:BENCH_PREFIX -Credential $key -ForcePathStyle; " +
                $"(New-StorageVolume -Backend lab -Name vol -SizeBytes {size}).Location").Trim();
            await WriteRandomBlocksAsync(volume, size, Enumerable.Range(0, (int)((size + ChunkSize - 1) / ChunkSize)), new Random(run));
            var full = pwsh.Run("(New-StorageSnapshot -Volume vol -Backend lab -Name full).Location").Trim();
            var rcloneFirst = run % 2 == 1;
            var baselineKey = $"rgw:{bucket}/cmdlet-baseline/run-{run}.img";

            table.Add("pwsh start + Import-Module + one inventory read", await meter.MeasureAsync(true, () => pwsh.Run("Get-StorageBackend | Out-Null")), 0);

            async Task RcloneUp() => table.Add(Upload, await meter.MeasureAsync(true, () =>
                gateway.Run("rclone", "--config", gateway.RcloneConfig, "copyto", full, baselineKey)), size);
            async Task FullCopy() => table.Add("Copy-SnapshotToSecondary (full)", await meter.MeasureAsync(true, () =>
                pwsh.Run("Get-StorageSnapshot full -Volume vol -Backend lab | Copy-SnapshotToSecondary -Destination offsite | Out-Null")), size, Upload, ">= 1.0x");
            if (rcloneFirst) { await RcloneUp(); await FullCopy(); }
            else { await FullCopy(); await RcloneUp(); }

            var random = new Random(1000 + run);
            var chunks = (int)((size + ChunkSize - 1) / ChunkSize);
            await WriteRandomBlocksAsync(volume, size, Enumerable.Range(0, chunks).OrderBy(_ => random.Next()).Take(Math.Max(1, chunks / 100)), random);
            var changed = pwsh.Run("(New-StorageSnapshot -Volume vol -Backend lab -Name inc1).Location").Trim();
            table.Add("Copy-SnapshotToSecondary after 1 % changed", await meter.MeasureAsync(true, () =>
                pwsh.Run("Get-StorageSnapshot inc1 -Volume vol -Backend lab | Copy-SnapshotToSecondary -Destination offsite | Out-Null")), 0);

            var back = Path.Combine(filesystem.MountPoint, "rclone-back.img");
            async Task RcloneDown()
            {
                table.Add(Download, await meter.MeasureAsync(true, () => gateway.Run("rclone", "--config", gateway.RcloneConfig, "copyto", baselineKey, back)), size);
                File.Delete(back);
            }
            async Task RestoreNew()
            {
                var cost = await meter.MeasureAsync(true, () =>
                    pwsh.Run("Get-SnapshotCopy inc1 -Destination offsite | New-StorageVolume -Name restored -Backend lab | Out-Null"));
                var restored = pwsh.Run("(Get-StorageVolume restored -Backend lab).Location").Trim();
                gateway.Run("cmp", changed, restored); // the restored volume is the snapshot, byte for byte
                pwsh.Run("Remove-StorageVolume restored -Backend lab -Confirm:$false");
                table.Add("New-StorageVolume -FromCopy (restore)", cost, size, Download, ">= 0.9x", "equals the snapshot (cmp)");
            }
            if (rcloneFirst) { await RcloneDown(); await RestoreNew(); }
            else { await RestoreNew(); await RcloneDown(); }

            var inPlace = await meter.MeasureAsync(true, () =>
                pwsh.Run("Restore-StorageSnapshot -FromCopy (Get-SnapshotCopy full -Destination offsite) -Force | Out-Null"));
            gateway.Run("cmp", full, volume); // the volume holds the full snapshot's data again
            table.Add("Restore-StorageSnapshot -FromCopy (in place)", inPlace, size, Download, "", "volume equals the snapshot (cmp)");
            gateway.Discard(bucket, $"cmdlets-{run}", $"cmdlet-baseline/run-{run}.img");
        }
        table.Print($"cmdlets in pwsh 7.6.10 (one process per step, start-up included), medians of {runs} run(s):");
    }

    /// <summary>Writes fresh random data over the given 4 MiB blocks of the image and flushes it.</summary>
    private static async Task WriteRandomBlocksAsync(string image, long size, IEnumerable<int> blocks, Random random)
    {
        await using var file = new FileStream(image, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[ChunkSize];
        foreach (var block in blocks)
        {
            random.NextBytes(buffer);
            var offset = (long)block * ChunkSize;
            file.Position = offset;
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(ChunkSize, size - offset)));
        }
        file.Flush(flushToDisk: true);
    }
}
