using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>
/// Every object the module writes, piped into every cmdlet that takes pipeline input: what PowerShell's binder
/// binds (read from its ParameterBinding trace) and what happens — the right object, or a clear error, never a
/// silent wrong answer. Producers make fresh objects where the consumer changes them, so the rows share one lab.
/// </summary>
public sealed class PipelinePairTests(LabFixture lab) : IClassFixture<LabFixture>
{
    // What each kind of object is made from (in the standard lab; $n is unique per row).
    private static readonly Dictionary<string, string> Producers = new()
    {
        ["Backend"] = "Get-StorageBackend lab",
        ["Volume"] = "New-StorageVolume -Backend lab -Name \"vol-$n\" -SizeBytes 1MB",
        ["Snapshot"] = "New-StorageSnapshot -Volume db01 -Backend lab -Name \"snap-$n\"",
        ["SecondaryStorage"] = "Get-SecondaryStorage nfs1",
        ["SnapshotCopy"] = "New-StorageSnapshot -Volume db01 -Backend lab -Name \"snap-$n\" | Copy-SnapshotToSecondary -Destination nfs1",
        ["SnapshotCopyTest"] = "New-StorageSnapshot -Volume db01 -Backend lab -Name \"snap-$n\" | Copy-SnapshotToSecondary -Destination nfs1 | Test-SnapshotCopy",
        ["DriverInfo"] = "Get-StorageDriver directory",
        ["String"] = "\"name-$n\"",
    };

    private const string NotBound = "InputObjectNotBound";
    private const string Refused = "ParameterArgumentTransformationError";
    private const string MissingMandatory = "InputObjectMissingMandatory";

    /// <summary>
    /// (producer, consumer command, parameters bound from the pipeline, what must hold afterwards): a PowerShell
    /// expression over $in (the piped object), $out (the output) and $lab/$db01/$nightly/$nfs1/$copy, or
    /// "error:&lt;id&gt;" — the FullyQualifiedErrorId the pipeline object fails with.
    /// </summary>
    public static TheoryData<string, string, string, string> Pairs => new()
    {
        // Get-StorageVolume
        { "Backend", "Get-StorageVolume", "Backend", "$out.Name -contains 'db01' -and @($out | Where-Object Backend -ne 'lab').Count -eq 0" },
        { "Volume", "Get-StorageVolume", "Backend,VolumeId", "$out.Count -eq 1 -and $out[0].Id -eq $in.Id" },
        { "Snapshot", "Get-StorageVolume", "Backend,VolumeId", "$out.Count -eq 1 -and $out[0].Id -eq $db01.Id" },
        { "SecondaryStorage", "Get-StorageVolume", "", "error:" + NotBound },
        { "SnapshotCopy", "Get-StorageVolume", "Backend,VolumeId", "$out.Count -eq 1 -and $out[0].Id -eq $db01.Id" },
        { "SnapshotCopyTest", "Get-StorageVolume", "Backend,VolumeId", "$out.Count -eq 1 -and $out[0].Id -eq $db01.Id" },
        { "DriverInfo", "Get-StorageVolume", "", "error:" + NotBound },
        { "String", "Get-StorageVolume", "", "error:" + NotBound },

        // Get-StorageSnapshot
        { "Backend", "Get-StorageSnapshot", "Backend", "$out.Name -contains 'nightly' -and @($out | Where-Object Backend -ne 'lab').Count -eq 0" },
        { "Volume", "Get-StorageSnapshot", "Backend,Volume", "$out.Count -eq 0" },
        { "Snapshot", "Get-StorageSnapshot", "Backend,Volume,SnapshotId", "$out.Count -eq 1 -and $out[0].Id -eq $in.Id" },
        { "SecondaryStorage", "Get-StorageSnapshot", "", "error:" + NotBound },
        { "SnapshotCopy", "Get-StorageSnapshot", "Backend,Volume,SnapshotId", "$out.Count -eq 1 -and $out[0].Id -eq $in.SnapshotId" },
        { "SnapshotCopyTest", "Get-StorageSnapshot", "Backend,Volume,SnapshotId", "$out.Count -eq 1 -and $out[0].Id -eq $in.SnapshotId" },
        { "DriverInfo", "Get-StorageSnapshot", "", "error:" + NotBound },
        { "String", "Get-StorageSnapshot", "", "error:" + NotBound },

        // New-StorageSnapshot
        { "Backend", "New-StorageSnapshot", "Backend", "error:" + MissingMandatory },
        { "Volume", "New-StorageSnapshot", "Backend,Volume", "$out.Count -eq 1 -and $out[0].VolumeId -eq $in.Id" },
        { "Snapshot", "New-StorageSnapshot", "Backend,Volume", "$out.Count -eq 1 -and $out[0].VolumeId -eq $in.VolumeId -and $out[0].Id -ne $in.Id" },
        { "SecondaryStorage", "New-StorageSnapshot", "", "error:" + NotBound },
        { "SnapshotCopy", "New-StorageSnapshot", "Backend,Volume", "$out.Count -eq 1 -and $out[0].VolumeId -eq $in.VolumeId" },
        { "SnapshotCopyTest", "New-StorageSnapshot", "Backend,Volume", "$out.Count -eq 1 -and $out[0].VolumeId -eq $in.VolumeId" },
        { "DriverInfo", "New-StorageSnapshot", "", "error:" + NotBound },
        { "String", "New-StorageSnapshot", "Volume", "error:VolumeNotFound" },

        // New-StorageVolume -Name x (the default set clones; a backend or a name needs -SizeBytes)
        { "Backend", "New-StorageVolume -Name \"new-$n\"", "", "error:" + NotBound },
        { "Volume", "New-StorageVolume -Name \"new-$n\"", "", "error:" + NotBound },
        { "Snapshot", "New-StorageVolume -Name \"new-$n\"", "FromSnapshot", "$out.Count -eq 1 -and $out[0].CreatedFromSnapshotId -eq $in.Id -and $out[0].Name -eq \"new-$n\"" },
        { "SecondaryStorage", "New-StorageVolume -Name \"new-$n\"", "", "error:" + NotBound },
        { "SnapshotCopy", "New-StorageVolume -Name \"new-$n\"", "FromCopy", "$out.Count -eq 1 -and $out[0].Backend -eq 'lab' -and $out[0].SizeBytes -eq $in.SizeBytes" },
        { "SnapshotCopyTest", "New-StorageVolume -Name \"new-$n\"", "", "error:" + NotBound },
        { "DriverInfo", "New-StorageVolume -Name \"new-$n\"", "", "error:" + NotBound },
        // ... with -SizeBytes, a backend or a backend name is where the empty volume is made
        { "Backend", "New-StorageVolume -Name \"new-$n\" -SizeBytes 1MB", "Backend", "$out.Count -eq 1 -and $out[0].Backend -eq 'lab' -and $out[0].SizeBytes -eq 1MB" },
        { "Snapshot", "New-StorageVolume -Name \"new-$n\" -SizeBytes 1MB", "", "error:" + NotBound },
        { "String", "New-StorageVolume -Name \"new-$n\" -SizeBytes 1MB", "Backend", "error:BackendNotFound" },
        { "String", "New-StorageVolume -Name \"new-$n\"", "", "error:" + NotBound },

        // Remove-StorageVolume
        { "Backend", "Remove-StorageVolume -Force", "", "error:" + Refused },
        { "Volume", "Remove-StorageVolume -Force", "InputObject", "$out.Count -eq 0 -and -not (Get-StorageVolume -Id $in.Id -ErrorAction SilentlyContinue)" },
        { "Snapshot", "Remove-StorageVolume -Force", "", "error:" + Refused },
        { "SecondaryStorage", "Remove-StorageVolume -Force", "", "error:" + Refused },
        { "SnapshotCopy", "Remove-StorageVolume -Force", "", "error:" + Refused },
        { "SnapshotCopyTest", "Remove-StorageVolume -Force", "", "error:" + Refused },
        { "DriverInfo", "Remove-StorageVolume -Force", "", "error:" + Refused },
        { "String", "Remove-StorageVolume -Force", "Name", "error:VolumeNotFound" },

        // Set-StorageBackend (no change asked: it writes the backend back)
        { "Backend", "Set-StorageBackend -PassThru", "InputObject", "$out.Count -eq 1 -and $out[0].Name -eq 'lab'" },
        { "Volume", "Set-StorageBackend -PassThru", "", "error:" + Refused },
        { "Snapshot", "Set-StorageBackend -PassThru", "", "error:" + Refused },
        { "SecondaryStorage", "Set-StorageBackend -PassThru", "", "error:" + Refused },
        { "SnapshotCopy", "Set-StorageBackend -PassThru", "", "error:" + Refused },
        { "SnapshotCopyTest", "Set-StorageBackend -PassThru", "", "error:" + Refused },
        { "DriverInfo", "Set-StorageBackend -PassThru", "", "error:" + Refused },
        { "String", "Set-StorageBackend -PassThru", "Name", "error:BackendNotFound" },

        // Unregister-StorageBackend (lab has volumes: refused, nothing changes)
        { "Backend", "Unregister-StorageBackend", "InputObject", "error:BackendHasVolumes" },
        { "Volume", "Unregister-StorageBackend", "", "error:" + Refused },
        { "Snapshot", "Unregister-StorageBackend", "", "error:" + Refused },
        { "SecondaryStorage", "Unregister-StorageBackend", "", "error:" + Refused },
        { "SnapshotCopy", "Unregister-StorageBackend", "", "error:" + Refused },
        { "SnapshotCopyTest", "Unregister-StorageBackend", "", "error:" + Refused },
        { "DriverInfo", "Unregister-StorageBackend", "", "error:" + Refused },
        { "String", "Unregister-StorageBackend", "Name", "error:BackendNotFound" },

        // Restore-StorageSnapshot
        { "Backend", "Restore-StorageSnapshot -Force", "", "error:" + Refused },
        { "Volume", "Restore-StorageSnapshot -Force", "", "error:" + Refused },
        { "Snapshot", "Restore-StorageSnapshot -Force -PassThru", "InputObject", "$out.Count -eq 1 -and $out[0].Id -eq $in.Id -and (Get-StorageVolume -Id $db01.Id).HeadSnapshotId -eq $in.Id" },
        { "SecondaryStorage", "Restore-StorageSnapshot -Force", "", "error:" + Refused },
        { "SnapshotCopy", "Restore-StorageSnapshot -Force -PassThru", "FromCopy", "$out.Count -eq 1 -and $out[0].Id -eq $in.VolumeId" },
        { "SnapshotCopyTest", "Restore-StorageSnapshot -Force", "", "error:" + Refused },
        { "DriverInfo", "Restore-StorageSnapshot -Force", "", "error:" + Refused },
        { "String", "Restore-StorageSnapshot -Force", "Id", "error:SnapshotNotFound" },

        // Remove-StorageSnapshot
        { "Backend", "Remove-StorageSnapshot -Force", "", "error:" + Refused },
        { "Volume", "Remove-StorageSnapshot -Force", "", "error:" + Refused },
        { "Snapshot", "Remove-StorageSnapshot -Force", "InputObject", "-not (Get-StorageSnapshot -Id $in.Id -ErrorAction SilentlyContinue)" },
        { "SecondaryStorage", "Remove-StorageSnapshot -Force", "", "error:" + Refused },
        { "SnapshotCopy", "Remove-StorageSnapshot -Force", "", "error:" + Refused },
        { "SnapshotCopyTest", "Remove-StorageSnapshot -Force", "", "error:" + Refused },
        { "DriverInfo", "Remove-StorageSnapshot -Force", "", "error:" + Refused },
        { "String", "Remove-StorageSnapshot -Force", "Id", "error:SnapshotNotFound" },

        // Set-StorageSnapshot
        { "Backend", "Set-StorageSnapshot -Description piped -PassThru", "", "error:" + Refused },
        { "Volume", "Set-StorageSnapshot -Description piped -PassThru", "", "error:" + Refused },
        { "Snapshot", "Set-StorageSnapshot -Description piped -PassThru", "InputObject", "$out.Count -eq 1 -and $out[0].Id -eq $in.Id -and $out[0].Description -eq 'piped'" },
        { "SecondaryStorage", "Set-StorageSnapshot -Description piped -PassThru", "", "error:" + Refused },
        { "SnapshotCopy", "Set-StorageSnapshot -Description piped -PassThru", "", "error:" + Refused },
        { "SnapshotCopyTest", "Set-StorageSnapshot -Description piped -PassThru", "", "error:" + Refused },
        { "DriverInfo", "Set-StorageSnapshot -Description piped -PassThru", "", "error:" + Refused },
        { "String", "Set-StorageSnapshot -Description piped -PassThru", "Id", "error:SnapshotNotFound" },

        // Copy-SnapshotToSecondary
        { "Backend", "Copy-SnapshotToSecondary -Destination nfs1", "", "error:" + Refused },
        { "Volume", "Copy-SnapshotToSecondary -Destination nfs1", "", "error:" + Refused },
        { "Snapshot", "Copy-SnapshotToSecondary -Destination nfs1", "InputObject", "$out.Count -eq 1 -and $out[0].SnapshotId -eq $in.Id -and $out[0].State -eq 'Copied'" },
        { "SecondaryStorage", "Copy-SnapshotToSecondary -Destination nfs1", "", "error:" + Refused },
        { "SnapshotCopy", "Copy-SnapshotToSecondary -Destination nfs1", "", "error:" + Refused },
        { "SnapshotCopyTest", "Copy-SnapshotToSecondary -Destination nfs1", "", "error:" + Refused },
        { "DriverInfo", "Copy-SnapshotToSecondary -Destination nfs1", "", "error:" + Refused },
        { "String", "Copy-SnapshotToSecondary -Destination nfs1", "Id", "error:SnapshotNotFound" },

        // Get-SnapshotCopy
        { "Backend", "Get-SnapshotCopy", "Backend", "$out.Id -contains $copy.Id" },
        { "Volume", "Get-SnapshotCopy", "Backend,Volume", "$out.Count -eq 0" },
        { "Snapshot", "Get-SnapshotCopy", "Backend,Volume,Snapshot", "$out.Count -eq 0" },
        { "SecondaryStorage", "Get-SnapshotCopy", "Destination", "$out.Id -contains $copy.Id -and @($out | Where-Object Destination -ne 'nfs1').Count -eq 0" },
        { "SnapshotCopy", "Get-SnapshotCopy", "Backend,Volume,Destination,CopyId", "$out.Count -eq 1 -and $out[0].Id -eq $in.Id" },
        { "SnapshotCopyTest", "Get-SnapshotCopy", "Backend,Volume,Destination,CopyId", "$out.Count -eq 1 -and $out[0].Id -eq $in.CopyId" },
        { "DriverInfo", "Get-SnapshotCopy", "", "error:" + NotBound },
        { "String", "Get-SnapshotCopy", "", "error:" + NotBound },

        // Test-SnapshotCopy
        { "Backend", "Test-SnapshotCopy", "", "error:" + NotBound },
        { "Volume", "Test-SnapshotCopy", "", "error:" + NotBound },
        { "Snapshot", "Test-SnapshotCopy", "Snapshot", "error:CopyNotFound" },
        { "SecondaryStorage", "Test-SnapshotCopy", "", "error:" + NotBound },
        { "SnapshotCopy", "Test-SnapshotCopy", "InputObject", "$out.Count -eq 1 -and $out[0].CopyId -eq $in.Id -and $out[0].Valid" },
        { "SnapshotCopyTest", "Test-SnapshotCopy", "", "error:" + NotBound },
        { "DriverInfo", "Test-SnapshotCopy", "", "error:" + NotBound },
        { "String", "Test-SnapshotCopy", "Snapshot", "error:CopyNotFound" },

        // Remove-SnapshotCopy
        { "Backend", "Remove-SnapshotCopy -Force", "", "error:" + NotBound },
        { "Volume", "Remove-SnapshotCopy -Force", "", "error:" + NotBound },
        { "Snapshot", "Remove-SnapshotCopy -Force", "Snapshot", "error:CopyNotFound" },
        { "SecondaryStorage", "Remove-SnapshotCopy -Force", "", "error:" + NotBound },
        { "SnapshotCopy", "Remove-SnapshotCopy -Force", "InputObject", "-not (Get-SnapshotCopy -Id $in.Id -ErrorAction SilentlyContinue)" },
        { "SnapshotCopyTest", "Remove-SnapshotCopy -Force", "", "error:" + NotBound },
        { "DriverInfo", "Remove-SnapshotCopy -Force", "", "error:" + NotBound },
        { "String", "Remove-SnapshotCopy -Force", "Snapshot", "error:CopyNotFound" },

        // Unregister-SecondaryStorage (nfs1 holds copies: refused, nothing changes)
        { "Backend", "Unregister-SecondaryStorage", "", "error:" + Refused },
        { "Volume", "Unregister-SecondaryStorage", "", "error:" + Refused },
        { "Snapshot", "Unregister-SecondaryStorage", "", "error:" + Refused },
        { "SecondaryStorage", "Unregister-SecondaryStorage", "InputObject", "error:InvalidState" },
        { "SnapshotCopy", "Unregister-SecondaryStorage", "", "error:" + Refused },
        { "SnapshotCopyTest", "Unregister-SecondaryStorage", "", "error:" + Refused },
        { "DriverInfo", "Unregister-SecondaryStorage", "", "error:" + Refused },
        { "String", "Unregister-SecondaryStorage", "Name", "error:SecondaryStorageNotFound" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Piping_an_object_binds_the_right_parameters_and_does_the_right_thing(string producer, string consumer, string bound, string outcome)
    {
        var session = lab.Session;
        session.Run("$n = [guid]::NewGuid().ToString('N').Substring(0, 8); $in = " + Producers[producer]).ThrowIfFailed();
        var cmdlet = consumer.Split(' ')[0];
        var (binding, result) = session.PipelineBinding("$global:out = @($in | " + consumer + ")", cmdlet);

        var expected = bound.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        var actual = binding.SelectMany(b => b).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        Assert.True(expected.SequenceEqual(actual, StringComparer.OrdinalIgnoreCase),
            $"{producer} | {consumer}: bound [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");

        if (outcome.StartsWith("error:", StringComparison.Ordinal))
        {
            var id = outcome["error:".Length..];
            Assert.True(result.ErrorIds.Count == 1 && result.ErrorIds[0].StartsWith(id + ",", StringComparison.Ordinal),
                $"{producer} | {consumer}: expected one {id} error, got [{string.Join("; ", result.ErrorIds)}] {string.Join(" ", result.Errors.Select(e => e.ToString()))}");
            Assert.Empty(session.Run("$out").Output);
        }
        else
        {
            result.ThrowIfFailed();
            var check = session.Run(outcome).ThrowIfFailed().Output;
            Assert.True(check.Count == 1 && check[0].BaseObject is true,
                $"{producer} | {consumer}: '{outcome}' is not true; output: {string.Join(" | ", session.Strings("$out | Out-String -Width 200"))}");
        }
    }
}
