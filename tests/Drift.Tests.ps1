#Requires -Version 7.4
<#
    Issue 10, drift and disaster recovery, as a user meets them in pwsh: differences made behind the module's back with
    plain file commands are found by Test-StorageInventory and repaired with -Repair; and the whole disaster-recovery
    story — copy, lose the inventory, register the repository on a fresh home, Import-SnapshotCopy, restore — gives the
    same bytes. Everything lives in TestDrive:.
#>

BeforeAll {
    $script:Manifest = Join-Path (Resolve-Path "$PSScriptRoot/..") 'StorageSnapshot.psd1'
    $script:SavedHome = $env:STORAGESNAPSHOT_HOME
    Import-Module $script:Manifest -Force
}

AfterAll {
    Remove-Module StorageSnapshot -Force -ErrorAction SilentlyContinue
    $env:STORAGESNAPSHOT_HOME = $script:SavedHome
}

Describe 'Test-StorageInventory' {
    BeforeEach {
        $script:Root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $env:STORAGESNAPSHOT_HOME = Join-Path $Root 'inventory'
        $script:Volumes = (New-Item -ItemType Directory -Path (Join-Path $Root 'volumes')).FullName
        Register-StorageBackend -Name lab -Driver directory -Property @{ Path = $Volumes }
        'db01', 'v1' | ForEach-Object { $null = New-StorageVolume -Backend lab -Name $_ -SizeBytes 1MB }
        $script:Snapshot = New-StorageSnapshot -Volume db01 -Backend lab -Name nightly
    }

    It 'reports nothing when the inventory and the storage agree' {
        Test-StorageInventory -ErrorAction Stop | Should -BeNullOrEmpty
    }

    It 'finds an orphan volume and snapshot, a missing volume and a leftover, and repairs each' {
        Copy-Item (Join-Path $Volumes 'volumes/db01.img') (Join-Path $Volumes 'volumes/stray.img')
        $null = New-Item -ItemType Directory -Path (Join-Path $Volumes 'snapshots/stray')
        Copy-Item (Join-Path $Volumes 'volumes/db01.img') (Join-Path $Volumes 'snapshots/stray/01STRAYSNAPSHOTKEY00000000.img')
        Remove-Item (Join-Path $Volumes 'volumes/v1.img')
        Set-Content (Join-Path $Volumes 'volumes/.db02.img.0123456789abcdef0123456789abcdef.tmp') 'half-written'

        $found = Test-StorageInventory -ErrorAction Stop
        ($found | ForEach-Object { "$($_.Kind) $($_.ObjectType) $($_.Name)" } | Sort-Object) | Should -Be @(
            'Leftover Volume .db02.img.0123456789abcdef0123456789abcdef.tmp'
            'Missing Volume v1'
            'Orphan Snapshot 01STRAYSNAPSHOTKEY00000000'
            'Orphan Volume stray')

        Test-StorageInventory -Repair Adopt -WhatIf | Where-Object Repaired | Should -BeNullOrEmpty
        @(Test-StorageInventory).Count | Should -Be 4

        $adopted = Test-StorageInventory -Repair Adopt -Force -ErrorAction Stop | Where-Object Repaired
        @($adopted).Count | Should -Be 2
        (Get-StorageSnapshot -Volume stray -Backend lab).Id | Should -Be '01STRAYSNAPSHOTKEY00000000'
        $null = Test-StorageInventory -Repair Forget -Force -ErrorAction Stop
        Get-StorageVolume v1 -Backend lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $null = Test-StorageInventory -Repair Remove -Force -ErrorAction Stop
        Join-Path $Volumes 'volumes/.db02.img.0123456789abcdef0123456789abcdef.tmp' | Should -Not -Exist

        Test-StorageInventory -ErrorAction Stop | Should -BeNullOrEmpty
        @(Get-StorageOperation -Kind RepairDrift | Where-Object State -eq Succeeded).Count | Should -Be 4
    }

    It 'refuses an unknown backend with BackendNotFound' {
        { Test-StorageInventory -Backend nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'BackendNotFound,StorageSnapshot.Commands.TestStorageInventoryCommand'
    }
}

Describe 'Disaster recovery' {
    It 'copies, loses the inventory, imports the repository on a fresh home and restores the same bytes' {
        $root = Join-Path $TestDrive 'dr'
        $env:STORAGESNAPSHOT_HOME = Join-Path $root 'old-home'
        $volumes = (New-Item -ItemType Directory -Path (Join-Path $root 'volumes')).FullName
        $repository = Join-Path $root 'repository'
        Register-StorageBackend -Name lab -Driver directory -Property @{ Path = $volumes }
        $volume = New-StorageVolume -Backend lab -Name db01 -SizeBytes 4MB
        $bytes = [byte[]]::new(4MB); [Random]::new(42).NextBytes($bytes)
        [IO.File]::WriteAllBytes($volume.Location, $bytes)
        $expected = (Get-FileHash $volume.Location -Algorithm SHA256).Hash
        Register-SecondaryStorage -Name nfs1 -Path $repository -Create
        $copy = New-StorageSnapshot -Volume db01 -Backend lab -Name nightly | Copy-SnapshotToSecondary -Destination nfs1 -ErrorAction Stop

        # The disaster: the inventory is gone. A fresh home stands for a fresh machine.
        Remove-Item $env:STORAGESNAPSHOT_HOME -Recurse -Force
        $env:STORAGESNAPSHOT_HOME = Join-Path $root 'new-home'
        Get-SnapshotCopy | Should -BeNullOrEmpty

        Register-SecondaryStorage -Name restored -Path $repository -ErrorAction Stop
        $imported = Import-SnapshotCopy -Destination restored -ErrorAction Stop
        $imported.Id | Should -Be $copy.Id
        $imported.ImageSha256 | Should -Be $copy.ImageSha256
        Import-SnapshotCopy -Destination restored -ErrorAction Stop | Should -BeNullOrEmpty   # idempotent
        (Get-SnapshotCopy -Destination restored | Test-SnapshotCopy -ErrorAction Stop).Valid | Should -BeTrue

        $drVolumes = (New-Item -ItemType Directory -Path (Join-Path $root 'dr-volumes')).FullName
        Register-StorageBackend -Name dr -Driver directory -Property @{ Path = $drVolumes }
        $restored = Get-SnapshotCopy nightly -Destination restored | New-StorageVolume -Name db01 -Backend dr -ErrorAction Stop

        (Get-FileHash $restored.Location -Algorithm SHA256).Hash | Should -Be $expected
    }
}
