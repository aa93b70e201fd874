#Requires -Version 7.4
<#
    Issue 15 as a runbook author tests it: a month of nightly Invoke-SnapshotPolicy runs with -At on the directory
    driver in TestDrive:, every night run twice (a re-run after a crash, a second scheduler), a manual snapshot
    beside the policy's, then the exact set of snapshots and copies left. Also the preview against the real run,
    and the shipped cron line and systemd units naming a command that exists.
#>

BeforeAll {
    $script:Manifest = Join-Path (Resolve-Path "$PSScriptRoot/..") 'StorageSnapshot.psd1'
    $script:SavedHome = $env:STORAGESNAPSHOT_HOME
    $env:STORAGESNAPSHOT_HOME = Join-Path $TestDrive 'inventory'
    Import-Module $script:Manifest -Force
    $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'volumes'), (Join-Path $TestDrive 'backup')
    Register-StorageBackend -Name lab -Driver directory -Property @{ Path = (Join-Path $TestDrive 'volumes') }
    Register-SecondaryStorage -Name nfs1 -Path (Join-Path $TestDrive 'backup') -ChunkSizeBytes 64KB
    'db01', 'db02' | ForEach-Object { $null = New-StorageVolume -Backend lab -Name $_ -SizeBytes 1MB }
    $script:Manual = New-StorageSnapshot -Volume db01 -Backend lab -Name before-the-policy
    $script:Zone = [TimeZoneInfo]::FindSystemTimeZoneById('Europe/Berlin')
    function script:LocalToUtc([datetime] $local) {
        [TimeZoneInfo]::ConvertTimeToUtc([datetime]::SpecifyKind($local, 'Unspecified'), $script:Zone)
    }
}

AfterAll {
    Remove-Module StorageSnapshot -Force -ErrorAction SilentlyContinue
    $env:STORAGESNAPSHOT_HOME = $script:SavedHome
}

Describe 'A month of nightly runs' {
    BeforeAll {
        New-SnapshotPolicy nightly -Backend lab -Daily -At 02:00 -TimeZone Europe/Berlin `
            -Retention @{ Daily = 7; Weekly = 2 } -Destination nfs1 -CopyRetention @{ Weekly = 5 } | Out-Null
        $script:Runs = foreach ($day in 1..31) {
            $at = LocalToUtc ([datetime]::new(2027, 1, $day, 2, 5, 0))
            Invoke-SnapshotPolicy nightly -At $at -ErrorAction Stop
            Invoke-SnapshotPolicy nightly -At $at -ErrorAction Stop   # the re-run: nothing more
        }
    }

    It 'took each night once on both volumes and never failed' {
        $script:Runs.Count | Should -Be 62
        ($script:Runs | Measure-Object -Property Failures -Sum).Sum | Should -Be 0
        ($script:Runs | ForEach-Object { $_.Taken.Count } | Measure-Object -Sum).Sum | Should -Be 62
        ($script:Runs | Measure-Object -Property AlreadyTaken -Sum).Sum | Should -Be 62
    }

    It 'left January 24 to 31 as snapshots: seven dailies and the weekly of week 3' {
        foreach ($volume in 'db01', 'db02') {
            $expected = 24..31 | ForEach-Object { '{0}-nightly-{1:yyyyMMdd-HHmm}Z' -f $volume, (LocalToUtc ([datetime]::new(2027, 1, $_, 2, 0, 0))) }
            $left = Get-StorageSnapshot -Volume $volume -Tag @{ policy = 'nightly' } | ForEach-Object Name
            $left | Sort-Object | Should -Be ($expected | Sort-Object)
        }
    }

    It 'left one copy per week for five weeks, the first in ISO week 2026-W53' {
        foreach ($volume in 'db01', 'db02') {
            $expected = 3, 10, 17, 24, 31 | ForEach-Object { '{0}-nightly-{1:yyyyMMdd-HHmm}Z' -f $volume, (LocalToUtc ([datetime]::new(2027, 1, $_, 2, 0, 0))) }
            $left = Get-SnapshotCopy -Destination nfs1 | Where-Object Volume -eq $volume | ForEach-Object Snapshot
            $left | Sort-Object | Should -Be ($expected | Sort-Object)
        }
    }

    It 'never touched the snapshot the policy did not make' {
        Get-StorageSnapshot -Id $script:Manual.Id | Should -Not -BeNullOrEmpty
    }

    It 'previews exactly what the next run removes, and -WhatIf removes nothing' {
        $at = LocalToUtc ([datetime]::new(2027, 1, 31, 2, 30, 0))   # the night of the 31st is taken already
        Set-SnapshotPolicy nightly -Retention @{ Daily = 3 } -CopyRetention @{ Weekly = 2 }
        $plan = Get-SnapshotRetentionPlan nightly -At $at
        $snapshots = @($plan | Where-Object { $_.Action -eq 'Remove' -and $_.Kind -eq 'Snapshot' })
        $copies = @($plan | Where-Object { $_.Action -eq 'Remove' -and $_.Kind -eq 'Copy' })
        $snapshots.Count | Should -Be 10   # per volume: the 24th to the 28th
        $copies.Count | Should -Be 6       # per volume: the 3rd, 10th and 17th

        $before = @(Get-StorageSnapshot).Count
        $null = Invoke-SnapshotPolicy nightly -At $at -WhatIf
        @(Get-StorageSnapshot).Count | Should -Be $before

        $run = Invoke-SnapshotPolicy nightly -At $at -ErrorAction Stop
        $run.Taken.Count | Should -Be 0
        $run.SnapshotsRemoved | Should -Be $snapshots.Count
        $run.CopiesRemoved | Should -Be $copies.Count
        $snapshots | ForEach-Object { Get-StorageSnapshot -Id $_.Id -ErrorAction SilentlyContinue } | Should -BeNullOrEmpty
        Get-SnapshotRetentionPlan nightly -At $at | Where-Object Action -eq Remove | Should -BeNullOrEmpty
    }
}

Describe 'The scheduler examples' {
    It 'the cron line and the systemd service run Invoke-SnapshotPolicy' {
        $examples = Join-Path (Resolve-Path "$PSScriptRoot/..") 'examples/scheduling'
        Get-Content (Join-Path $examples 'storagesnapshot-policies.cron') -Raw | Should -Match 'Invoke-SnapshotPolicy'
        Get-Content (Join-Path $examples 'storagesnapshot-policies.service') -Raw | Should -Match 'Invoke-SnapshotPolicy'
        Get-Content (Join-Path $examples 'storagesnapshot-policies.timer') -Raw | Should -Match 'OnCalendar=\*-\*-\* \*:0/15'
        Get-Command Invoke-SnapshotPolicy -Module StorageSnapshot | Should -Not -BeNullOrEmpty
    }
}
