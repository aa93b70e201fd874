#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite (tests/*.Tests.ps1) against the built module, with the Pester the repository pins.
.DESCRIPTION
    Called by tests/run.sh in the PowerShell of the local tool manifest (.config/dotnet-tools.json). Imports
    exactly Pester 5.9.1 from the NuGet package folder that tests/Pester.Restore restored (`dotnet restore
    tests/Pester.Restore`): nothing is installed from the PowerShell Gallery, and a missing Pester is an error.
    -Path names the test files (default: every tests/*.Tests.ps1). tests/run.sh runs StorageSnapshot.Tests.ps1 once more
    per backend kind with $env:STORAGESNAPSHOT_TEST_BACKEND_KIND set (tests/TestBackends.ps1); a kind whose
    prerequisites are missing is discovered but not run (its tests count as skipped), unless
    STORAGESNAPSHOT_INTEGRATION=required, when it runs and fails. With $env:STORAGESNAPSHOT_TEST_SECONDARY_KIND=s3
    the secondary-storage tests copy to a bucket on the RADOS Gateway instead of a folder (skipped without the
    gateway; under STORAGESNAPSHOT_INTEGRATION=required the run fails at once).
    Writes NUnit XML to -ResultsPath and the counts tests/summarise-results.sh reads to -CountsPath:
        passed <n> / failed <n> / skipped <n>, then one "fail <test>" or "skip <test>" line per such test, each
        "fail" line followed by "because <first line of its error>".
    Exits non-zero when a test, a block or a container failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ResultsPath,

    [Parameter(Mandatory)]
    [string] $CountsPath,

    [string[]] $Path
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$pesterVersion = '5.9.1'
$assets = Join-Path $PSScriptRoot 'Pester.Restore/obj/project.assets.json'
if (-not (Test-Path -LiteralPath $assets)) {
    throw "Pester $pesterVersion is not restored: '$assets' does not exist. Run 'dotnet restore tests/Pester.Restore' first (tests/run.sh does)."
}
# The package folders NuGet restored into (NUGET_PACKAGES, or ~/.nuget/packages), as the restore recorded them.
$packageFolders = @((Get-Content -LiteralPath $assets -Raw | ConvertFrom-Json -AsHashtable).packageFolders.Keys)
$manifest = $packageFolders |
    ForEach-Object { Join-Path $_ "pester/$pesterVersion/tools/Pester.psd1" } |
    Where-Object { Test-Path -LiteralPath $_ } |
    Select-Object -First 1
if (-not $manifest) {
    throw "Pester $pesterVersion is not in the restored package folders ($($packageFolders -join ', ')): run 'dotnet restore tests/Pester.Restore'."
}
Import-Module -Name $manifest -Force
$loaded = Get-Module Pester
if (@($loaded).Count -ne 1 -or $loaded.Version -ne [version]$pesterVersion) {
    throw "Expected exactly Pester $pesterVersion from '$manifest', got: $(@($loaded | ForEach-Object { "$($_.Version) $($_.Path)" }) -join '; ')."
}
Write-Host "Pester $($loaded.Version) from $($loaded.ModuleBase); PowerShell $($PSVersionTable.PSVersion) from $PSHOME"

# An older Newtonsoft.Json for the isolation test (restored beside Pester), unless the caller names another.
if (-not $env:STORAGESNAPSHOT_TEST_OLDER_NEWTONSOFT) {
    $env:STORAGESNAPSHOT_TEST_OLDER_NEWTONSOFT = $packageFolders |
        ForEach-Object { Join-Path $_ 'newtonsoft.json/12.0.3/lib/netstandard2.0/Newtonsoft.Json.dll' } |
        Where-Object { Test-Path -LiteralPath $_ } |
        Select-Object -First 1
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = if ($Path) { @($Path | ForEach-Object { (Resolve-Path -LiteralPath $_).Path }) } else { @(Get-ChildItem -Path $PSScriptRoot -Filter '*.Tests.ps1' | ForEach-Object FullName) }
. (Join-Path $PSScriptRoot 'TestBackends.ps1')
$kind = Get-TestBackendKind
$missing = Test-TestBackendPrerequisite $kind
if ($missing -and $env:STORAGESNAPSHOT_INTEGRATION -ne 'required') {
    Write-Warning "Backend kind '$kind' cannot run here ($missing): its tests are discovered and counted as skipped."
    $configuration.Run.SkipRun = $true
}
Write-Host "Backend kind: $kind"
# The secondary storage of the 'Secondary storage' tests: a folder, or with $env:STORAGESNAPSHOT_TEST_SECONDARY_KIND=s3
# (tests/run.sh's suite Pester-s3) a bucket on the RADOS Gateway. No gateway: skipped, unless
# STORAGESNAPSHOT_INTEGRATION=required, when the run fails.
$secondaryKind = Get-TestSecondaryKind
$missingSecondary = Test-TestSecondaryPrerequisite $secondaryKind
if ($missingSecondary) {
    if ($env:STORAGESNAPSHOT_INTEGRATION -eq 'required') { throw "Secondary storage kind '$secondaryKind' cannot run here ($missingSecondary) and STORAGESNAPSHOT_INTEGRATION=required." }
    Write-Warning "Secondary storage kind '$secondaryKind' cannot run here ($missingSecondary): its tests are discovered and counted as skipped."
    $configuration.Run.SkipRun = $true
}
Write-Host "Secondary storage kind: $secondaryKind"

# The inventory: SQLite in TestDrive: (the test file's STORAGESNAPSHOT_HOME) by default; with
# $env:STORAGESNAPSHOT_TEST_INVENTORY=postgresql (tests/run.sh's suite Pester-postgresql) a fresh database on the test
# server of tests/infrastructure/postgres.sh ($env:STORAGESNAPSHOT_TEST_POSTGRES, else its connection file), named by
# $env:STORAGESNAPSHOT_INVENTORY for this run and dropped after it. A missing server skips the run, unless
# STORAGESNAPSHOT_INTEGRATION=required, when it fails.
$testDatabase = $null
if ($env:STORAGESNAPSHOT_TEST_INVENTORY -eq 'postgresql') {
    $server = $env:STORAGESNAPSHOT_TEST_POSTGRES
    $connectionFile = Join-Path ($env:STORAGESNAPSHOT_PG_DIR ? $env:STORAGESNAPSHOT_PG_DIR : '/tmp/storagesnapshot-pg-cluster') 'connection'
    if (-not $server -and (Test-Path -LiteralPath $connectionFile)) { $server = (Get-Content -LiteralPath $connectionFile -Raw).Trim() }
    $missingServer = if (-not $server) { "no PostgreSQL test server (set STORAGESNAPSHOT_TEST_POSTGRES or run 'bash tests/infrastructure/postgres.sh start'; '$connectionFile' is missing)" }
                     elseif (-not (Get-Command psql -CommandType Application -ErrorAction Ignore)) { "the inventory on PostgreSQL needs 'psql' (postgresql-client)" }
    if ($missingServer) {
        if ($env:STORAGESNAPSHOT_INTEGRATION -eq 'required') { throw "Inventory postgresql cannot run here ($missingServer) and STORAGESNAPSHOT_INTEGRATION=required." }
        Write-Warning "Inventory postgresql cannot run here ($missingServer): its tests are discovered and counted as skipped."
        $configuration.Run.SkipRun = $true
    }
    else {
        # Methods, not properties: PowerShell reads and writes a dictionary's "properties" as its keys.
        $builder = [Data.Common.DbConnectionStringBuilder]::new()
        $builder.set_ConnectionString($server)
        $psql = {
            param([string] $Sql)
            $env:PGPASSWORD = $builder['Password']
            try { $output = & psql -X -q -v ON_ERROR_STOP=1 -h $builder['Host'] -p $builder['Port'] -U $builder['Username'] -d postgres -c $Sql 2>&1 }
            finally { Remove-Item Env:PGPASSWORD }
            if ($LASTEXITCODE -ne 0) { throw "psql '$Sql' failed ($LASTEXITCODE): $output" }
        }
        $testDatabase = "ss_pester_$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        & $psql "CREATE DATABASE $testDatabase"
        $builder['Database'] = $testDatabase
        $env:STORAGESNAPSHOT_INVENTORY = $builder.get_ConnectionString()
    }
}
Write-Host "Inventory: $(if ($testDatabase) { "PostgreSQL database $testDatabase" } elseif ($env:STORAGESNAPSHOT_TEST_INVENTORY -eq 'postgresql') { 'PostgreSQL (not run)' } else { 'SQLite' })"
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
# Plain text into run.sh's log files (no colour escapes); colours on a terminal.
if ([Console]::IsOutputRedirected) { $configuration.Output.RenderMode = 'Plaintext' }
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultsPath

try { $result = Invoke-Pester -Configuration $configuration }
finally {
    if ($testDatabase) {
        Remove-Item Env:STORAGESNAPSHOT_INVENTORY
        & $psql "DROP DATABASE $testDatabase WITH (FORCE)"
    }
}

# "because <first line of the first error>" after a "fail" line, so that the reason is in the summary CI shows last.
function Get-FailureReason($errorRecords) {
    $first = @($errorRecords) | Select-Object -First 1
    if ($null -eq $first) { return }
    $text = if ($first.Exception) { $first.Exception.Message } else { "$first" }
    $line = @($text -split "\r?\n" | Where-Object { $_.Trim() }) | Select-Object -First 1
    if (-not $line) { return }
    if ($line.Length -gt 400) { $line = $line.Substring(0, 400) + '...' }
    "because $line"
}

# Tests that could not run count as failed: a broken BeforeAll or a file that does not parse fails a block or a
# container, whose tests are otherwise unseen. NotRun tests (filtered out or stopped) count as skipped, so that
# under STORAGESNAPSHOT_INTEGRATION=required the summariser fails them like any other skip.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$lines = @(
    "passed $($result.PassedCount)"
    "failed $failed"
    "skipped $($result.SkippedCount + $result.NotRunCount)"
    $result.Failed | ForEach-Object { "fail $($_.ExpandedPath)"; Get-FailureReason $_.ErrorRecord }
    $result.FailedBlocks | ForEach-Object { "fail $($_.ExpandedPath) (block)"; Get-FailureReason $_.ErrorRecord }
    $result.FailedContainers | ForEach-Object { "fail $($_.Item) (container)"; Get-FailureReason $_.ErrorRecord }
    $result.Skipped | ForEach-Object { "skip $($_.ExpandedPath)" }
    $result.NotRun | ForEach-Object { "skip $($_.ExpandedPath) (not run)" }
)
Set-Content -LiteralPath $CountsPath -Value $lines -Encoding utf8NoBOM
exit ([int]($failed -gt 0))
