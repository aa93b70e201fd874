#Requires -Version 7.4
<#
    Issue 8 at the cmdlet layer, as a user meets it: paths resolved through the PowerShell provider the same way for
    backends and secondary storage, a credential whose password shows up in no stream and no $Error entry, names
    with a trailing newline refused, Remove-SnapshotCopy -Failed and Set-StorageBackend -Credential bound. The
    inventory and every folder live in TestDrive:.
#>

BeforeAll {
    $script:Manifest = Join-Path (Resolve-Path "$PSScriptRoot/..") 'StorageSnapshot.psd1'
    $script:SavedHome = $env:STORAGESNAPSHOT_HOME
    $env:STORAGESNAPSHOT_HOME = Join-Path $TestDrive 'inventory'
    Import-Module $script:Manifest -Force
    $script:SavedLocation = Get-Location
}

AfterAll {
    Set-Location $script:SavedLocation
    Remove-Module StorageSnapshot -Force -ErrorAction SilentlyContinue
    $env:STORAGESNAPSHOT_HOME = $script:SavedHome
}

Describe 'Relative paths' {
    BeforeEach {
        Set-Location TestDrive:
    }

    It 'a relative backend Path is resolved against the current location, like a secondary storage -Path' {
        $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'rel-volumes')
        $backend = Register-StorageBackend -Name rel -Driver directory -Property @{ Path = './rel-volumes' } -PassThru -ErrorAction Stop
        $backend.Properties['Path'] | Should -Be (Join-Path $TestDrive 'rel-volumes')

        $storage = Register-SecondaryStorage -Name rel2 -Path './rel-repository' -Create -PassThru -ErrorAction Stop
        $storage.Path | Should -Be (Join-Path $TestDrive 'rel-repository')
    }

    It 'Set-StorageBackend resolves a relative Path too' {
        $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'set-a'), (Join-Path $TestDrive 'set-b')
        Register-StorageBackend -Name setrel -Driver directory -Property @{ Path = (Join-Path $TestDrive 'set-a') }
        $backend = Set-StorageBackend setrel -Property @{ Path = 'set-b' } -PassThru -ErrorAction Stop
        $backend.Properties['Path'] | Should -Be (Join-Path $TestDrive 'set-b')
    }

    It 'a path on another provider is refused for <What>' -ForEach @(
        @{ What = 'a backend Path'; Command = { Register-StorageBackend -Name envpath -Driver directory -Property @{ Path = 'Env:/HOME' } -ErrorAction Stop } }
        @{ What = 'a secondary storage -Path'; Command = { Register-SecondaryStorage -Name envrepo -Path 'Env:/HOME' -Create -ErrorAction Stop } }
    ) {
        { & $Command } | Should -Throw -ErrorId 'InvalidArgument*'
        { & $Command } | Should -Throw '*file-system path*Environment provider*'
    }
}

Describe 'Secrets' {
    It 'a credential''s password appears in no output stream and no error record, even when refused' {
        $password = 'Pl4nted-' + [guid]::NewGuid().ToString('N')
        $credential = [pscredential]::new('svc', (ConvertTo-SecureString $password -AsPlainText -Force))
        $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'cred-volumes')
        $Error.Clear()

        $everything = & {
            Register-StorageBackend -Name cred -Driver directory -Property @{ Path = (Join-Path $TestDrive 'cred-volumes') } -Credential $credential -Verbose -ErrorAction Continue
            Register-StorageBackend -Name cred -Driver directory -Property @{ Path = (Join-Path $TestDrive 'cred-volumes') } -Credential $credential -WhatIf -ErrorAction Continue
        } *>&1 | Out-String

        $Error[0].FullyQualifiedErrorId | Should -BeLike 'PropertyValidationFailed,*'
        $Error[0].Exception.Message | Should -BeLike '*takes no credential*'
        $records = $Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String; $_.ErrorDetails | Out-String }
        ($everything + ($records -join "`n")) | Should -Not -Match ([regex]::Escape($password))
        Get-StorageBackend cred -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $env:STORAGESNAPSHOT_HOME -File | ForEach-Object {
            [IO.File]::ReadAllText($_.FullName) | Should -Not -Match ([regex]::Escape($password))
        }
    }

    It 'Set-StorageBackend takes -Credential' {
        (Get-Command Set-StorageBackend).Parameters['Credential'].ParameterType | Should -Be ([pscredential])
    }
}

Describe 'Names' {
    It 'a volume name with a trailing newline is refused, naming the newline' {
        $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'nl-volumes')
        Register-StorageBackend -Name nlb -Driver directory -Property @{ Path = (Join-Path $TestDrive 'nl-volumes') }
        { New-StorageVolume -Backend nlb -Name "nl`n" -SizeBytes 1MB -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidName*'
        { New-StorageVolume -Backend nlb -Name "nl`n" -SizeBytes 1MB -ErrorAction Stop } | Should -Throw '*line feed*'
        Get-ChildItem -LiteralPath (Join-Path $TestDrive 'nl-volumes') -Recurse -File | Should -BeNullOrEmpty
    }
}

Describe 'Remove-SnapshotCopy -Failed' {
    It 'binds without a copy and runs on the named secondary storage' {
        (Get-Command Remove-SnapshotCopy).ParameterSets.Name | Should -Contain 'Failed'
        $null = Register-SecondaryStorage -Name freeme -Path (Join-Path $TestDrive 'freeme') -Create -PassThru
        { Remove-SnapshotCopy -Failed -Destination freeme -WhatIf -ErrorAction Stop } | Should -Not -Throw
        $verbose = Remove-SnapshotCopy -Failed -Destination freeme -Force -Verbose -ErrorAction Stop 4>&1 | Out-String
        $verbose | Should -Match "Secondary storage 'freeme': forgot 0 failed copy record\(s\)"
    }
}
