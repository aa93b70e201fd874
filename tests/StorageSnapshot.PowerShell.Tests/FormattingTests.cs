using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>What a person sees: tables that fit 80 columns, sizes in binary units, sizes that sort as numbers.</summary>
public sealed class FormattingTests(LabFixture lab) : IClassFixture<LabFixture>
{
    public static TheoryData<string, string> Tables => new()
    {
        { "Get-StorageSnapshot", "Name Volume State Size Created Tags" },
        { "Get-StorageVolume", "Name Backend Size State Created Location" },
        { "Get-StorageBackend", "Name Driver Maintenance Registered Properties" },
        { "Get-StorageDriver", "Name Description Capabilities" },
        { "Get-SecondaryStorage", "Name Kind ChunkSize Compression Path" },
        { "Get-SnapshotCopy", "Snapshot Volume Destination State Size Written Throughput" },
        { "Get-SnapshotCopy | Test-SnapshotCopy", "Snapshot Volume Destination Valid Chunks Problems Duration" },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Tables_keep_every_column_and_header_whole_at_80_columns(string command, string headers)
    {
        lab.Session.Run("$null = New-StorageSnapshot -Volume db01 -Backend lab -Name a-rather-long-snapshot-name-20261203 -Tag @{ app = 'db'; tier = 'gold' } -ErrorAction SilentlyContinue");
        var lines = lab.Session.Strings($"{command} | Format-Table | Out-String -Width 80 -Stream")
            .Where(l => l.Trim().Length > 0).ToArray();
        Assert.Equal(headers.Split(' '), lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^[- ]+$", lines[1]);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"'{l}' is {l.Length} wide"));
    }

    [Fact]
    public void Sizes_are_numbers_that_sort_and_the_views_show_them_in_binary_units()
    {
        var result = lab.Session.Strings("""
            $null = New-StorageVolume -Backend lab -Name big -SizeBytes 1.5TB -WhatIf
            $small = New-StorageVolume -Backend lab -Name small -SizeBytes 16MB
            $odd = New-StorageVolume -Backend lab -Name odd -SizeBytes 1093
            (Get-StorageVolume small, odd, db01 | Sort-Object Size).Name -join ','
            $small.Size.GetType().Name
            (Get-StorageVolume odd | Format-Table | Out-String) -match '1 KiB'
            (Get-StorageVolume small | Format-List | Out-String) -match '16 MiB \(16,777,216 bytes\)'
            """);
        Assert.Equal(["odd,db01,small", "Int64", "True", "True"], result);
    }

    [Fact]
    public void A_copy_shows_throughput_in_MiB_per_second_and_its_written_bytes_in_binary_units()
    {
        var text = string.Join("\n", lab.Session.Strings("""
            $data = New-StorageVolume -Backend lab -Name with-data -SizeBytes 4MB
            $bytes = [byte[]]::new(4MB); [Random]::new(5).NextBytes($bytes); [IO.File]::WriteAllBytes($data.Location, $bytes)
            New-StorageSnapshot -Volume $data -Name filled | Copy-SnapshotToSecondary -Destination nfs1 | Format-List | Out-String -Width 200
            """));
        Assert.Matches(@"Throughput\s*: \d+(\.\d)? (KiB|MiB|GiB)/s", text);
        Assert.Matches(@"Written\s*: \d+(\.\d)? (B|KiB|MiB) \([\d,]+ bytes\)", text);
        Assert.DoesNotContain("MB/s", text);
    }
}
