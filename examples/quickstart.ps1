#Requires -Version 7.4
<#
.SYNOPSIS
    A five-minute tour of StorageSnapshot on a throw-away directory backend.
.DESCRIPTION
    Registers a `directory` backend in a temporary folder, creates a volume, writes data into it, snapshots it,
    changes the data, reverts the volume to the snapshot (the data is back), clones a new volume from the
    snapshot. Then the backup half: registers secondary storage (a repository in the same temporary folder),
    copies a snapshot to it, changes the volume and copies a second snapshot (only the changed chunk is
    written), verifies both copies and restores a new volume from a copy. It lists everything as tables and
    removes it all again. The inventory lives in the same temporary folder ($env:STORAGESNAPSHOT_HOME), so your
    own inventory is never touched.
    Run it with: pwsh ./build.ps1 -Task Demo   (builds first), or pwsh ./examples/quickstart.ps1 after a build.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

function Show-Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }
function Show-Command([string] $Text) { Write-Host "PS> $Text" -ForegroundColor Yellow }

# The volume's first bytes as text: what a program using the disk would read.
function Read-VolumeText([string] $Path) {
    $buffer = [byte[]]::new(48)
    $stream = [IO.File]::OpenRead($Path)
    try { $null = $stream.Read($buffer, 0, $buffer.Length) } finally { $stream.Dispose() }
    [Text.Encoding]::UTF8.GetString($buffer).TrimEnd([char]0, ' ')
}

function Write-VolumeText([string] $Path, [string] $Text) {
    $bytes = [Text.Encoding]::UTF8.GetBytes($Text.PadRight(48))
    $stream = [IO.File]::Open($Path, 'Open', 'Write')
    try { $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
}

# Fills MiB megabytes from Offset with random bytes: the bulk of a database, incompressible like most real data.
function Write-VolumeData([string] $Path, [long] $Offset, [int] $MiB) {
    $random = [Random]::new(1)
    $block = [byte[]]::new(1MB)
    $stream = [IO.File]::Open($Path, 'Open', 'Write')
    try {
        $stream.Position = $Offset
        for ($i = 0; $i -lt $MiB; $i++) { $random.NextBytes($block); $stream.Write($block, 0, $block.Length) }
    }
    finally { $stream.Dispose() }
}

function Format-MiB([long] $Bytes) { '{0:N1} MiB' -f ($Bytes / 1MB) }

$workspace = Join-Path ([IO.Path]::GetTempPath()) "storagesnapshot-quickstart-$PID"
$savedHome = $env:STORAGESNAPSHOT_HOME
try {
    Show-Step "A private inventory and a folder for the volumes, under $workspace"
    $env:STORAGESNAPSHOT_HOME = Join-Path $workspace 'inventory'
    $volumeFolder = (New-Item -ItemType Directory -Force -Path (Join-Path $workspace 'volumes')).FullName
    $repositoryFolder = Join-Path $workspace 'backup-repository'
    Import-Module (Join-Path $PSScriptRoot '..' 'StorageSnapshot.psd1') -Force

    Show-Step 'The drivers this module has'
    Show-Command 'Get-StorageDriver'
    Get-StorageDriver | Format-Table | Out-Host

    Show-Step 'Register a backend: the directory driver keeps volumes as files in a folder'
    Show-Command "Register-StorageBackend -Name demo -Driver directory -Property @{ Path = '$volumeFolder' } -PassThru"
    Register-StorageBackend -Name demo -Driver directory -Property @{ Path = $volumeFolder } -PassThru | Format-Table | Out-Host

    Show-Step 'Create a 64 MiB volume; its Location is the file that holds its data'
    Show-Command 'New-StorageVolume -Backend demo -Name db01 -SizeBytes 64MB'
    $volume = New-StorageVolume -Backend demo -Name db01 -SizeBytes 64MB
    $volume | Format-Table | Out-Host

    Show-Step 'Write some data into the volume, as a database would'
    Write-VolumeText $volume.Location 'orders: 1, 2, 3'
    Write-Host "The volume now reads: '$(Read-VolumeText $volume.Location)'"

    Show-Step 'Take a snapshot'
    Show-Command "New-StorageSnapshot -Volume db01 -Backend demo -Name before-upgrade -Tag @{ reason = 'demo' }"
    New-StorageSnapshot -Volume db01 -Backend demo -Name before-upgrade -Tag @{ reason = 'demo' } | Format-Table | Out-Host

    Show-Step 'Change the data (the upgrade went wrong)'
    Write-VolumeText $volume.Location 'orders: CORRUPTED'
    Write-Host "The volume now reads: '$(Read-VolumeText $volume.Location)'"

    Show-Step 'What would a revert do? -WhatIf changes nothing and says what would be lost'
    Show-Command 'Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot -WhatIf'
    Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot -WhatIf

    Show-Step 'Revert the volume to the snapshot (-Force: no confirmation prompt in a script)'
    Show-Command 'Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot -Force'
    Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot -Force
    Write-Host "The volume reads again: '$(Read-VolumeText $volume.Location)'" -ForegroundColor Green

    Show-Step 'Clone a new volume from the snapshot, for a test copy of the data'
    Show-Command 'Get-StorageSnapshot before-upgrade -Volume db01 | New-StorageVolume -Name db01-test'
    $clone = Get-StorageSnapshot before-upgrade -Volume db01 | New-StorageVolume -Name db01-test
    Write-Host "The clone reads: '$(Read-VolumeText $clone.Location)'"

    Show-Step 'Register secondary storage: a repository folder (a local disk or a mounted NFS/SMB share)'
    Show-Command "Register-SecondaryStorage -Name backup -Path '$repositoryFolder' -Create -PassThru"
    Register-SecondaryStorage -Name backup -Path $repositoryFolder -Create -PassThru | Format-Table | Out-Host

    Show-Step 'The database grows by 12 MiB; take a snapshot and copy it to secondary storage, in one pipeline'
    Write-VolumeData $volume.Location -Offset 4MB -MiB 12
    Show-Command 'New-StorageSnapshot -Volume db01 -Backend demo -Name nightly-1 | Copy-SnapshotToSecondary -Destination backup'
    $copy1 = New-StorageSnapshot -Volume db01 -Backend demo -Name nightly-1 | Copy-SnapshotToSecondary -Destination backup
    $copy1 | Format-Table | Out-Host
    Write-Host "The first copy stores every chunk that holds data: read $(Format-MiB $copy1.BytesRead), wrote $(Format-MiB $copy1.BytesWritten)."
    Write-Host 'The 48 MiB never written are zero chunks: recorded in the copy, stored as nothing.'

    Show-Step 'Change one record and copy a second snapshot: only the changed 4 MiB chunk is written'
    Write-VolumeText $volume.Location 'orders: 1, 2, 3, 4'
    Show-Command 'New-StorageSnapshot -Volume db01 -Backend demo -Name nightly-2 | Copy-SnapshotToSecondary -Destination backup'
    $copy2 = New-StorageSnapshot -Volume db01 -Backend demo -Name nightly-2 | Copy-SnapshotToSecondary -Destination backup
    $copy2 | Format-Table | Out-Host
    Write-Host "Changed since nightly-1: $(Format-MiB $copy2.BytesChanged); written: $(Format-MiB $copy2.BytesWritten) (the other chunks are reused)."
    if ($copy2.BaseCopyId) { Write-Host "Incremental: the driver said what changed, so the copy read only that (plus a check sample)." }
    else { Write-Host 'This filesystem has no reflinks, so the driver cannot say what changed: the copy read all the data again.' }

    Show-Step 'Every copy on the secondary storage'
    Show-Command 'Get-SnapshotCopy -Destination backup'
    Get-SnapshotCopy -Destination backup | Format-Table | Out-Host

    Show-Step 'Prove the copies restore: re-hash every stored chunk, and (-Source) compare with the snapshots'
    Show-Command 'Get-SnapshotCopy -Destination backup | Test-SnapshotCopy -Source'
    Get-SnapshotCopy -Destination backup | Test-SnapshotCopy -Source | Format-Table | Out-Host

    Show-Step 'Restore nightly-1 from secondary storage into a new volume'
    Show-Command 'Get-SnapshotCopy nightly-1 -Destination backup | New-StorageVolume -Name db01-restored'
    $restored = Get-SnapshotCopy nightly-1 -Destination backup | New-StorageVolume -Name db01-restored
    Write-Host "The restored volume reads: '$(Read-VolumeText $restored.Location)'"
    $nightly1 = Get-StorageSnapshot nightly-1 -Volume db01
    if ((Get-FileHash $restored.Location).Hash -eq (Get-FileHash $nightly1.Location).Hash) {
        Write-Host 'It is byte for byte the snapshot nightly-1 (same SHA-256).' -ForegroundColor Green
    }
    else { throw 'The restored volume differs from the snapshot it was copied from.' }

    Show-Step 'Everything, as tables'
    Show-Command 'Get-StorageVolume -Backend demo'
    Get-StorageVolume -Backend demo | Format-Table | Out-Host
    Show-Command 'Get-StorageSnapshot -Backend demo'
    Get-StorageSnapshot -Backend demo | Format-Table | Out-Host

    Show-Step 'Remove the copies and forget the secondary storage (its folder is not deleted)'
    Show-Command 'Get-SnapshotCopy -Destination backup | Remove-SnapshotCopy -Force'
    Get-SnapshotCopy -Destination backup | Remove-SnapshotCopy -Force
    Show-Command 'Unregister-SecondaryStorage backup'
    Unregister-SecondaryStorage backup

    Show-Step 'Remove everything: snapshots, volumes, the backend'
    Show-Command 'Get-StorageVolume -Backend demo | Remove-StorageVolume -IncludeSnapshots -Force'
    Get-StorageVolume -Backend demo | Remove-StorageVolume -IncludeSnapshots -Force
    Show-Command 'Unregister-StorageBackend demo'
    Unregister-StorageBackend demo
    Write-Host "Volumes left: $(@(Get-StorageVolume).Count), backends left: $(@(Get-StorageBackend).Count), copies left: $(@(Get-SnapshotCopy).Count)"
    Write-Host "`nDone. Next: Get-Help about_StorageSnapshot" -ForegroundColor Green
}
finally {
    Remove-Module StorageSnapshot -ErrorAction SilentlyContinue
    $env:STORAGESNAPSHOT_HOME = $savedHome
    Remove-Item -LiteralPath $workspace -Recurse -Force -ErrorAction SilentlyContinue
}
