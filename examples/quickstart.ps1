#Requires -Version 7.4
<#
.SYNOPSIS
    A five-minute tour of StorageSnapshot on a throw-away directory backend.
.DESCRIPTION
    Registers a `directory` backend in a temporary folder, creates a volume, writes data into it, snapshots it,
    changes the data, reverts the volume to the snapshot (the data is back), clones a new volume from the
    snapshot, lists everything as tables, and removes it all again. The inventory lives in the same temporary
    folder ($env:STORAGESNAPSHOT_HOME), so your own inventory is never touched.
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

$workspace = Join-Path ([IO.Path]::GetTempPath()) "storagesnapshot-quickstart-$PID"
$savedHome = $env:STORAGESNAPSHOT_HOME
try {
    Show-Step "A private inventory and a folder for the volumes, under $workspace"
    $env:STORAGESNAPSHOT_HOME = Join-Path $workspace 'inventory'
    $volumeFolder = (New-Item -ItemType Directory -Force -Path (Join-Path $workspace 'volumes')).FullName
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

    Show-Step 'Everything, as tables'
    Show-Command 'Get-StorageVolume -Backend demo'
    Get-StorageVolume -Backend demo | Format-Table | Out-Host
    Show-Command 'Get-StorageSnapshot -Backend demo'
    Get-StorageSnapshot -Backend demo | Format-Table | Out-Host

    Show-Step 'Remove everything: snapshots, volumes, the backend'
    Show-Command 'Get-StorageVolume -Backend demo | Remove-StorageVolume -IncludeSnapshots -Force'
    Get-StorageVolume -Backend demo | Remove-StorageVolume -IncludeSnapshots -Force
    Show-Command 'Unregister-StorageBackend demo'
    Unregister-StorageBackend demo
    Write-Host "Volumes left: $(@(Get-StorageVolume).Count), backends left: $(@(Get-StorageBackend).Count)"
    Write-Host "`nDone. Next: Get-Help about_StorageSnapshot" -ForegroundColor Green
}
finally {
    Remove-Module StorageSnapshot -ErrorAction SilentlyContinue
    $env:STORAGESNAPSHOT_HOME = $savedHome
    Remove-Item -LiteralPath $workspace -Recurse -Force -ErrorAction SilentlyContinue
}
