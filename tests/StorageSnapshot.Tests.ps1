#Requires -Version 7.4
<#
    The module as a user meets it: import the root manifest of a built clone (`dotnet build` first; tests/run.sh
    does), keep the inventory in TestDrive:, and drive a `lab` backend of the kind $env:STORAGESNAPSHOT_TEST_BACKEND_KIND
    names (tests/TestBackends.ps1: `directory` in TestDrive: by default; tests/run.sh runs this file once more on
    `btrfs`, `qcow2` and `ceph-rbd`, where `lab` is a fresh namespace of the Ceph test cluster). The 'Secondary storage'
    tests copy to a folder, or with $env:STORAGESNAPSHOT_TEST_SECONDARY_KIND=s3 (suite Pester-s3) to a fresh bucket on the
    RADOS Gateway of the same cluster.
    Pester removes, at the end of each Describe, every TestDrive: file that Describe created: the volumes made in
    the top-level BeforeAll (and the inventory) stay, but snapshot and clone images made inside one Describe are
    gone in the next while the inventory still lists them. Read image files only in the Describe that made them.
#>

BeforeDiscovery {
    # An assembly of Newtonsoft.Json older than the module's (13.0.x): the one tests/Invoke-Pester.ps1 names (it
    # restores 12.0.3 from NuGet with Pester), else one that some installed module ships, if any.
    $script:OlderNewtonsoft = @($env:STORAGESNAPSHOT_TEST_OLDER_NEWTONSOFT) + @(
        $env:PSModulePath -split [IO.Path]::PathSeparator |
            Where-Object { $_ -and (Test-Path -LiteralPath $_) } |
            ForEach-Object { Get-ChildItem -LiteralPath $_ -Recurse -Filter 'Newtonsoft.Json.dll' -ErrorAction SilentlyContinue } |
            ForEach-Object FullName) |
        Where-Object { $_ -and (Test-Path -LiteralPath $_) -and [Reflection.AssemblyName]::GetAssemblyName($_).Version -lt [version]'13.0.0.0' } |
        Select-Object -First 1
    # Under STORAGESNAPSHOT_INTEGRATION=required nothing is skipped: the test runs and fails when there is no older assembly.
    $script:SkipWithoutOlderNewtonsoft = -not $script:OlderNewtonsoft -and $env:STORAGESNAPSHOT_INTEGRATION -ne 'required'
}

BeforeAll {
    $script:Manifest = Join-Path (Resolve-Path "$PSScriptRoot/..") 'StorageSnapshot.psd1'
    $script:SavedHome = $env:STORAGESNAPSHOT_HOME
    $env:STORAGESNAPSHOT_HOME = Join-Path $TestDrive 'inventory'
    Import-Module $script:Manifest -Force

    . (Join-Path $PSScriptRoot 'TestBackends.ps1')
    $script:BackendKind = Get-TestBackendKind
    $script:BackendFolder = New-TestBackendFolder -Kind $script:BackendKind -Under $TestDrive
    $script:VolumeFolder = $script:BackendFolder.Path
    Register-StorageBackend -Name lab -Driver $script:BackendKind -Property $script:BackendFolder.Properties
    foreach ($name in 'v1', 'v2', 'db01') {
        $null = New-StorageVolume -Backend lab -Name $name -SizeBytes 1MB
    }

    # The first 64 bytes of a volume, as text: a volume's Location is a file path, or rbd:pool/namespace/image.
    function Set-VolumeText([string] $Volume, [string] $Text) {
        $path = (Get-StorageVolume $Volume -Backend lab).Location
        Write-TestVolumeBytes -Kind $script:BackendKind -Location $path -Bytes ([Text.Encoding]::UTF8.GetBytes($Text.PadRight(64)))
    }

    function Get-VolumeText([string] $Volume) {
        $path = (Get-StorageVolume $Volume -Backend lab).Location
        $buffer = Read-TestVolumeBytes -Kind $script:BackendKind -Location $path -Count 64
        [Text.Encoding]::UTF8.GetString($buffer).TrimEnd([char]0, ' ')
    }

    # Whether a volume's data is there: its image file, or its RBD image.
    function Test-VolumeData([string] $Location) { Test-TestVolumeData -Location $Location }

    # Runs a command in a fresh pwsh (same inventory) and returns everything it printed, host output included.
    function Invoke-InNewSession([string] $Command) {
        # Under the dotnet tool (and any host) the process is not always pwsh itself: $PSHOME holds the executable.
        $pwsh = Join-Path $PSHOME 'pwsh'
        & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$script:Manifest'; $Command" 2>&1 | Out-String
    }
}

AfterAll {
    Remove-Module StorageSnapshot -Force -ErrorAction SilentlyContinue
    $env:STORAGESNAPSHOT_HOME = $script:SavedHome
    Remove-TestBackendFolder -Storage $script:BackendFolder.Storage
}

Describe 'Importing the module' {
    It 'exports exactly the contract cmdlets and nothing else' {
        $expected = 'Get-StorageBackend', 'Get-StorageDriver', 'Get-StorageSnapshot', 'Get-StorageVolume', 'New-StorageSnapshot',
            'New-StorageVolume', 'Register-StorageBackend', 'Remove-StorageSnapshot', 'Remove-StorageVolume', 'Restore-StorageSnapshot',
            'Set-StorageBackend', 'Set-StorageSnapshot', 'Unregister-StorageBackend',
            'Register-SecondaryStorage', 'Get-SecondaryStorage', 'Unregister-SecondaryStorage', 'Copy-SnapshotToSecondary',
            'Get-SnapshotCopy', 'Test-SnapshotCopy', 'Remove-SnapshotCopy',
            'Get-StorageOperation', 'Repair-StorageOperation', 'Get-StorageEvent', 'Test-StorageInventory', 'Import-SnapshotCopy',
            'Get-StorageInventory', 'Set-StorageInventory', 'Move-StorageInventory',
            'New-SnapshotPolicy', 'Get-SnapshotPolicy', 'Set-SnapshotPolicy', 'Remove-SnapshotPolicy', 'Invoke-SnapshotPolicy', 'Get-SnapshotRetentionPlan'
        $module = Get-Module StorageSnapshot
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be ($expected | Sort-Object)
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
    }

    It 'lists the directory driver with its capabilities' {
        $driver = Get-StorageDriver directory
        $driver.Name | Should -Be 'directory'
        $driver.Capabilities.HasFlag([StorageSnapshot.DriverCapabilities]::Snapshot) | Should -BeTrue
        $driver.Properties.Name | Should -Contain 'Path'
    }

    It 'has full help for <_>' -ForEach @('New-StorageSnapshot', 'Restore-StorageSnapshot', 'Get-StorageVolume') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+ \[' # not the syntax PowerShell shows when it has no help
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        @($help.Parameters.Parameter).Count | Should -BeGreaterThan 0
    }

    It 'has the about topic' {
        Get-Help about_StorageSnapshot | Out-String | Should -Match 'STORAGESNAPSHOT_HOME'
    }

    It 'imports in a session where Newtonsoft.Json is already loaded (PowerShell''s own)' {
        $output = Invoke-InNewSession "Add-Type -AssemblyName Newtonsoft.Json; [void][Newtonsoft.Json.JsonConvert]::SerializeObject(1); (Get-StorageDriver directory).Name"
        $output | Should -Match 'directory'
    }

    # The path found at discovery is handed to the test as data: discovery-time variables do not survive into the run.
    It 'imports in a session where another module loaded an older Newtonsoft.Json' -ForEach @(@{ Older = $script:OlderNewtonsoft }) -Skip:$script:SkipWithoutOlderNewtonsoft {
        # Skipped only outside CI when no Newtonsoft.Json older than 13.0 is at hand (tests/run.sh always restores one).
        $Older | Should -Not -BeNullOrEmpty -Because 'STORAGESNAPSHOT_INTEGRATION=required and no Newtonsoft.Json older than 13.0 was found'
        # PowerShell's own Newtonsoft may win the name in the default context; either way the module must work.
        $output = Invoke-InNewSession "try { Add-Type -LiteralPath '$Older' } catch { }; (Get-StorageBackend lab).Name"
        $output | Should -Match 'lab'
    }
}

Describe 'Pipelines' {
    It 'Get-StorageBackend lab | Get-StorageVolume lists the backend''s volumes' {
        $names = Get-StorageBackend lab | Get-StorageVolume | ForEach-Object Name
        $names | Should -Contain 'v1'
        $names | Should -Contain 'db01'
    }

    It 'Get-StorageVolume -Backend lab | New-StorageSnapshot snapshots every volume' {
        $snapshots = Get-StorageVolume -Backend lab | New-StorageSnapshot -Tag @{ app = 'db' }
        @($snapshots).Count | Should -Be @(Get-StorageVolume -Backend lab).Count
        $snapshots | ForEach-Object { $_.Tags['app'] | Should -Be 'db' }
        $snapshots | ForEach-Object { $_.State | Should -Be 'Ready' }
    }

    It '''v1'',''v2'' | New-StorageSnapshot -Backend lab takes strings as volume names' {
        $snapshots = 'v1', 'v2' | New-StorageSnapshot -Backend lab
        $snapshots.Volume | Should -Be @('v1', 'v2')
    }

    It 'Get-StorageVolume db01 | Get-StorageSnapshot lists that volume''s snapshots' {
        $snapshots = Get-StorageVolume db01 | Get-StorageSnapshot
        $snapshots | Should -Not -BeNullOrEmpty
        $snapshots.Volume | Select-Object -Unique | Should -Be 'db01'
    }

    It 'Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot brings the data back' {
        Set-VolumeText db01 'before'
        $null = New-StorageSnapshot -Volume db01 -Backend lab -Name keep-before
        Set-VolumeText db01 'after'
        Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot -Force
        Get-VolumeText db01 | Should -Be 'before'
    }

    It 'Get-StorageSnapshot x | New-StorageVolume -Name c1 clones the snapshot' {
        $clone = Get-StorageSnapshot keep-before -Volume db01 | New-StorageVolume -Name c1
        $clone.Name | Should -Be 'c1'
        $clone.CreatedFromSnapshotId | Should -Be (Get-StorageSnapshot keep-before -Volume db01).Id
        Get-VolumeText c1 | Should -Be 'before'
    }

    It 'Get-StorageSnapshot -Volume v1 | Remove-StorageSnapshot -Force removes them all' {
        Get-StorageSnapshot -Volume v1 | Should -Not -BeNullOrEmpty
        Get-StorageSnapshot -Volume v1 | Remove-StorageSnapshot -Force
        Get-StorageSnapshot -Volume v1 | Should -BeNullOrEmpty
    }

    It 'Set-StorageSnapshot -PassThru changes tags and returns the snapshot' {
        $changed = Get-StorageSnapshot keep-before -Volume db01 | Set-StorageSnapshot -Tag @{ keep = 'yes' } -PassThru
        $changed.Tags['keep'] | Should -Be 'yes'
        @(Get-StorageSnapshot -Tag @{ keep = 'yes' }).Name | Should -Be 'keep-before'
    }

    It 'Get-StorageBackend | Set-StorageBackend -PassThru switches maintenance on and off' {
        $backend = Get-StorageBackend lab | Set-StorageBackend -MaintenanceMode $true -Reason 'test' -PassThru
        $backend.MaintenanceMode | Should -BeTrue
        { New-StorageSnapshot -Volume v2 -Backend lab -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackendInMaintenance,StorageSnapshot.Commands.NewStorageSnapshotCommand'
        (Set-StorageBackend lab -MaintenanceMode $false -PassThru).MaintenanceMode | Should -BeFalse
    }
}

Describe 'Pipelines that used to give a wrong answer' {
    BeforeAll {
        # This Describe's own snapshot: TestDrive files made in another Describe are gone by now.
        Set-VolumeText db01 'before'
        $null = New-StorageSnapshot -Volume db01 -Backend lab -Name keep-here
    }

    It 'Get-StorageSnapshot s -Volume v | New-StorageVolume -Name c clones, never asks for -SizeBytes' {
        $clone = Get-StorageSnapshot keep-here -Volume db01 | New-StorageVolume -Name c2
        $clone.CreatedFromSnapshotId | Should -Be (Get-StorageSnapshot keep-here -Volume db01).Id
        Get-VolumeText c2 | Should -Be 'before'
    }

    It 'Get-StorageSnapshot s -Volume v | Get-StorageVolume returns that snapshot''s volume only' {
        @(Get-StorageSnapshot keep-here -Volume db01 | Get-StorageVolume).Name | Should -Be 'db01'
    }

    It 'objects are taken as parameter values: -Volume, -Backend' {
        @(Get-StorageSnapshot -Volume (Get-StorageVolume db01)).Volume | Select-Object -Unique | Should -Be 'db01'
        @(Get-StorageVolume -Backend (Get-StorageBackend lab)).Name | Should -Contain 'db01'
        (New-StorageVolume -Backend (Get-StorageBackend lab) -Name by-object -SizeBytes 1MB).Backend | Should -Be 'lab'
    }

    It 'Restore-StorageSnapshot takes the snapshot name by position' {
        Set-VolumeText db01 'changed again'
        Restore-StorageSnapshot keep-here -Volume db01 -Force
        Get-VolumeText db01 | Should -Be 'before'
    }

    It 'a volume piped to Remove-StorageSnapshot is a clear error, and nothing is removed' {
        $before = @(Get-StorageSnapshot -Volume db01).Count
        Get-StorageVolume db01 | Remove-StorageSnapshot -Force -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        "$($problems[0])" | Should -Match 'not a Volume object'
        @(Get-StorageSnapshot -Volume db01).Count | Should -Be $before
    }

    It 'a bad wildcard is an error' {
        { Get-StorageVolume 'v[' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,StorageSnapshot.Commands.GetStorageVolumeCommand'
    }

    It 'the syntax shows the objects'' types' {
        (Get-Command New-StorageSnapshot -Syntax) | Should -Match '\[-Volume\] <Volume>'
        (Get-Command Get-StorageSnapshot -Syntax) | Should -Not -Match 'Parameter>'
    }

    It 'Get-Help -Online has a page to open' {
        (Get-Command Get-StorageSnapshot).HelpUri | Should -Match '^https://.*/docs/Get-StorageSnapshot\.md$'
    }
}

Describe '-WhatIf changes nothing' {
    It 'New-StorageSnapshot -WhatIf makes no snapshot' {
        $before = @(Get-StorageSnapshot -Volume v2).Count
        New-StorageSnapshot -Volume v2 -Backend lab -WhatIf
        @(Get-StorageSnapshot -Volume v2).Count | Should -Be $before
    }

    It 'Remove-StorageSnapshot -WhatIf -Force deletes nothing' {
        $before = @(Get-StorageSnapshot -Volume v2).Count
        Get-StorageSnapshot -Volume v2 | Remove-StorageSnapshot -WhatIf -Force
        @(Get-StorageSnapshot -Volume v2).Count | Should -Be $before
    }

    It 'Remove-StorageVolume -WhatIf keeps the volume and its file' {
        $volume = Get-StorageVolume v2
        $volume | Remove-StorageVolume -IncludeSnapshots -WhatIf
        Get-StorageVolume v2 | Should -Not -BeNullOrEmpty
        Test-VolumeData $volume.Location | Should -BeTrue
    }

    It 'Restore-StorageSnapshot -WhatIf keeps the data and says what would be lost' {
        Set-VolumeText db01 'current'
        $id = (Get-StorageSnapshot keep-before -Volume db01).Id
        $output = Invoke-InNewSession "Restore-StorageSnapshot -Id '$id' -WhatIf"
        $output | Should -Match 'What if:'
        $output | Should -Match 'keep-before'
        $output | Should -Match 'discarded'
        Get-VolumeText db01 | Should -Be 'current'
    }
}

Describe 'Errors' {
    It '<Command> reports <ErrorId>' -ForEach @(
        @{ Command = { Get-StorageSnapshot -Name nosuch -ErrorAction Stop }; ErrorId = 'SnapshotNotFound,StorageSnapshot.Commands.GetStorageSnapshotCommand' }
        @{ Command = { Get-StorageVolume -Name nosuch -ErrorAction Stop }; ErrorId = 'VolumeNotFound,StorageSnapshot.Commands.GetStorageVolumeCommand' }
        @{ Command = { Get-StorageBackend -Name nosuch -ErrorAction Stop }; ErrorId = 'BackendNotFound,StorageSnapshot.Commands.GetStorageBackendCommand' }
        @{ Command = { New-StorageVolume -Backend lab -Name 'bad name' -SizeBytes 1MB -ErrorAction Stop }; ErrorId = 'InvalidName,StorageSnapshot.Commands.NewStorageVolumeCommand' }
        @{ Command = { Register-StorageBackend -Name bad -Driver directory -Property @{ Path = (Join-Path ([IO.Path]::GetTempPath()) 'storagesnapshot-does-not-exist-7f3a') } -ErrorAction Stop }; ErrorId = 'PropertyValidationFailed,StorageSnapshot.Commands.RegisterStorageBackendCommand' }
        @{ Command = { Restore-StorageSnapshot -Id 'nosuch' -Force -ErrorAction Stop }; ErrorId = 'SnapshotNotFound,StorageSnapshot.Commands.RestoreStorageSnapshotCommand' }
    ) {
        $Command | Should -Throw -ErrorId $ErrorId
    }

    It 'a not-found error has the ObjectNotFound category and the name as target' {
        Get-StorageVolume -Name nosuch -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotFound,*'
        "$($problems[0].TargetObject)" | Should -Match 'nosuch'
    }

    It 'one bad item writes an error and the others go on' {
        $made = 'v2', 'nosuch', 'db01' | New-StorageSnapshot -Backend lab -ErrorVariable problems -ErrorAction SilentlyContinue
        $made.Volume | Should -Be @('v2', 'db01')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotFound,*'
    }

    It 'Remove-StorageVolume refuses while snapshots exist' {
        { Remove-StorageVolume db01 -Backend lab -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'VolumeHasSnapshots,StorageSnapshot.Commands.RemoveStorageVolumeCommand'
    }

    It 'an error about a snapshot has it as TargetObject, with the category of its id' {
        # A snapshot no clone depends on: on a driver whose clones need their snapshot (ceph-rbd), removing one that
        # has clones is refused with SnapshotHasDependents before maintenance mode is looked at.
        $snapshot = New-StorageSnapshot -Volume v1 -Backend lab -Name in-maintenance
        Set-StorageBackend lab -MaintenanceMode $true -Reason 'test'
        try { $snapshot | Remove-StorageSnapshot -Force -ErrorVariable problems -ErrorAction SilentlyContinue }
        finally { Set-StorageBackend lab -MaintenanceMode $false }
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'BackendInMaintenance,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $problems[0].TargetObject.Id | Should -Be $snapshot.Id
        Get-StorageSnapshot in-maintenance -Volume v1 | Should -Not -BeNullOrEmpty
    }
}

Describe 'Formatting' {
    It 'shows snapshots as a table with local time, human sizes and tags' {
        $text = Get-StorageSnapshot -Volume db01 | Format-Table | Out-String -Width 200
        foreach ($header in 'Name', 'Volume', 'State', 'Size', 'Created', 'Tags') { $text | Should -Match $header }
        $text | Should -Match '1 MiB'
        $text | Should -Not -Match '1048576'
        $text | Should -Match 'app=db'
    }

    It 'shows volumes with their Location' {
        Get-StorageVolume db01 | Format-List | Out-String -Width 500 | Should -Match ([regex]::Escape($script:VolumeFolder))
    }

    It 'gives backends a Backend alias and volumes a Volume alias for pipeline binding' {
        (Get-StorageBackend lab).Backend | Should -Be 'lab'
        (Get-StorageVolume db01).Volume | Should -Be 'db01'
    }

    It 'has a default view for every object type' -ForEach @('StorageSnapshot.Snapshot', 'StorageSnapshot.Volume', 'StorageSnapshot.Backend', 'StorageSnapshot.DriverInfo', 'StorageSnapshot.Operation', 'StorageSnapshot.SecondaryStorage', 'StorageSnapshot.SnapshotCopy', 'StorageSnapshot.SnapshotCopyTest') {
        Get-FormatData -TypeName $_ | Should -Not -BeNullOrEmpty
    }
}

Describe 'Secondary storage' {
    BeforeAll {
        # A folder by default; a bucket on the RADOS Gateway in the suite Pester-s3 (tests/TestBackends.ps1).
        $script:SecondaryKind = Get-TestSecondaryKind
        $script:Secondary = New-TestSecondaryStorage -Kind $script:SecondaryKind -Name nfs1 -Under $TestDrive
        Set-VolumeText v2 'copied text'
        $script:Copy = New-StorageSnapshot -Volume v2 -Backend lab -Name for-copy | Copy-SnapshotToSecondary -Destination nfs1
    }

    AfterAll {
        Remove-TestSecondaryStorage $script:Secondary
    }

    It 'registers the destination where it was told, its secret never shown' {
        $storage = Get-SecondaryStorage nfs1
        $storage.Kind | Should -Be @{ filesystem = 'FileSystem'; s3 = 'S3' }[$script:SecondaryKind]
        $storage.Path | Should -Be $script:Secondary.Path
        $shown = ($storage | Format-List * | Out-String) + ($storage.Properties | ConvertTo-Json)
        if ($script:SecondaryKind -eq 's3') { $shown | Should -Not -Match ([regex]::Escape((Get-TestS3Setting SecretKey))) }
    }

    It 'copies a piped snapshot and lists the copy by its snapshot' {
        $script:Copy.State | Should -Be 'Copied'
        $script:Copy.Destination | Should -Be 'nfs1'
        (Get-StorageSnapshot for-copy -Volume v2 | Get-SnapshotCopy).Id | Should -Be $script:Copy.Id
    }

    It 'proves the copy restores, against the primary snapshot too' {
        ($script:Copy | Test-SnapshotCopy -Source).Valid | Should -BeTrue
    }

    It 'a volume piped to Copy-SnapshotToSecondary is a clear error' {
        Get-StorageVolume v2 | Copy-SnapshotToSecondary -Destination nfs1 -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
    }

    It 'Get-StorageVolume v | Get-SnapshotCopy lists the copies of its snapshots' {
        (Get-StorageVolume v2 | Get-SnapshotCopy).Id | Should -Be $script:Copy.Id
    }

    It 'Get-SnapshotCopy n | Get-StorageSnapshot returns the snapshot copied' {
        @(Get-SnapshotCopy for-copy | Get-StorageSnapshot).Id | Should -Be $script:Copy.SnapshotId
    }

    It 'Get-SnapshotCopy filters by volume and state, and -Destination takes the object' {
        (Get-SnapshotCopy -Volume v2 -State Copied -Destination (Get-SecondaryStorage nfs1)).Id | Should -Be $script:Copy.Id
        Get-SnapshotCopy -State Failed | Should -BeNullOrEmpty
    }

    It 'Test-SnapshotCopy takes a snapshot name and a destination' {
        (Test-SnapshotCopy for-copy -Destination nfs1).Valid | Should -BeTrue
    }

    It 'restores a copy onto another backend' {
        $folder = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'dr')).FullName
        Register-StorageBackend -Name dr -Driver directory -Property @{ Path = $folder }
        $restored = New-StorageVolume -FromCopy $script:Copy -Backend dr -Name v2-dr
        $restored.Backend | Should -Be 'dr'
        $stream = [IO.File]::OpenRead($restored.Location)
        try { $buffer = [byte[]]::new(64); $null = $stream.Read($buffer, 0, 64) } finally { $stream.Dispose() }
        [Text.Encoding]::UTF8.GetString($buffer).TrimEnd([char]0, ' ') | Should -Be 'copied text'
        $restored | Remove-StorageVolume -Force
        Unregister-StorageBackend dr
    }

    It 'restores a copy into a new volume' {
        $null = $script:Copy | New-StorageVolume -Name v2-restored
        Get-VolumeText v2-restored | Should -Be 'copied text'
    }

    It 'restores a volume in place from its copy' {
        Set-VolumeText v2 'changed since'
        Restore-StorageSnapshot -FromCopy $script:Copy -Force
        Get-VolumeText v2 | Should -Be 'copied text'
    }

    It 'reports a flipped bit as CopyCorrupt' {
        Invoke-TestChunkCorruption $script:Secondary
        $result = $script:Copy | Test-SnapshotCopy -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Valid | Should -BeFalse
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'CopyCorrupt,*'
    }

    It 'removes the copy and unregisters the storage' {
        $script:Copy | Remove-SnapshotCopy -Force
        Get-SnapshotCopy | Should -BeNullOrEmpty
        Unregister-SecondaryStorage nfs1
        Get-SecondaryStorage | Should -BeNullOrEmpty
    }
}

Describe 'The journal and the event log' {
    It 'Get-StorageVolume db01 | Get-StorageOperation shows the volume''s history, oldest first' {
        $history = @(Get-StorageVolume db01 -Backend lab | Get-StorageOperation)
        $history[0].Kind | Should -Be 'CreateVolume'
        $history.State | Should -Not -Contain 'Running'
        ($history | Where-Object Kind -eq 'CreateSnapshot').Count | Should -BeGreaterThan 0
    }

    It 'Repair-StorageOperation -All has nothing to do when nothing crashed, and -WhatIf changes nothing' {
        Repair-StorageOperation -All -WhatIf | Should -BeNullOrEmpty
        Repair-StorageOperation -All | Should -BeNullOrEmpty
    }

    It 'refuses to repair an entry that succeeded, with a stable error id' {
        { Get-StorageOperation -State Succeeded -Last 1 | Repair-StorageOperation -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidState,StorageSnapshot.Commands.RepairStorageOperationCommand'
    }

    It 'Get-StorageEvent exports to CSV with who did it' {
        $file = Join-Path $TestDrive 'events.csv'
        Get-StorageEvent -Kind SnapshotCreated | Export-Csv $file
        $rows = @(Import-Csv $file)
        $rows.Count | Should -BeGreaterThan 0
        $rows[0].User | Should -Be ([Environment]::UserName)
    }
}

Describe 'Cleaning up' {
    It 'removes everything the tests made' {
        Get-StorageVolume -Backend lab | Remove-StorageVolume -IncludeSnapshots -Force
        Get-StorageVolume -Backend lab | Should -BeNullOrEmpty
        Unregister-StorageBackend lab
        Get-StorageBackend | Should -BeNullOrEmpty
    }
}
