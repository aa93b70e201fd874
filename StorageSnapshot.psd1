#
# Module manifest for StorageSnapshot.
#
# This root manifest names files by where they are in a clone (out/StorageSnapshot/ is written by `dotnet build`,
# module/ holds the format and type files), so `Import-Module ./StorageSnapshot.psd1` works right after a build.
# The build writes a module-relative copy into out/StorageSnapshot/ (the folder that is packaged and published).
# ModuleVersion must equal VersionPrefix in Directory.Build.props: the build fails when they differ.
#
@{
    RootModule           = 'out/StorageSnapshot/StorageSnapshot.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '1c3eea71-30cc-4271-85e9-78ebc149e4eb'
    Author               = 'StorageSnapshot contributors'
    CompanyName          = 'StorageSnapshot contributors'
    Copyright            = '(c) StorageSnapshot contributors. MIT License.'
    Description          = 'Vendor-neutral snapshots of volumes on primary storage: create, list, revert, clone and delete them through pluggable storage drivers, tracked in a durable inventory.'
    PowerShellVersion    = '7.4'

    FormatsToProcess     = @('module/StorageSnapshot.Format.ps1xml')
    TypesToProcess       = @('module/StorageSnapshot.Types.ps1xml')

    CmdletsToExport      = @(
        'Get-StorageDriver'
        'Register-StorageBackend'
        'Get-StorageBackend'
        'Set-StorageBackend'
        'Unregister-StorageBackend'
        'Get-StorageVolume'
        'New-StorageVolume'
        'Remove-StorageVolume'
        'New-StorageSnapshot'
        'Get-StorageSnapshot'
        'Set-StorageSnapshot'
        'Restore-StorageSnapshot'
        'Remove-StorageSnapshot'
        'Register-SecondaryStorage'
        'Get-SecondaryStorage'
        'Unregister-SecondaryStorage'
        'Copy-SnapshotToSecondary'
        'Get-SnapshotCopy'
        'Test-SnapshotCopy'
        'Remove-SnapshotCopy'
        'New-SnapshotPolicy'
        'Get-SnapshotPolicy'
        'Set-SnapshotPolicy'
        'Remove-SnapshotPolicy'
        'Invoke-SnapshotPolicy'
        'Get-SnapshotRetentionPlan'
        'Get-StorageOperation'
        'Repair-StorageOperation'
        'Get-StorageInventory'
        'Set-StorageInventory'
        'Move-StorageInventory'
        'Get-StorageEvent'
        'Test-StorageInventory'
        'Import-SnapshotCopy'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('Storage', 'Snapshot', 'Backup', 'Volume', 'Clone', 'SAN', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/storagesnapshot/StorageSnapshot'
            LicenseUri   = 'https://github.com/storagesnapshot/StorageSnapshot/blob/main/LICENSE'
            ReleaseNotes = 'First release: backends, volumes and snapshots on primary storage (create, list, revert, clone, delete) with the directory driver, a SQLite inventory, -WhatIf/-Confirm, progress, tab completion and full help.'
        }
    }
}
