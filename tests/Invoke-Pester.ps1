#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite (tests/*.Tests.ps1) against the built module.
.DESCRIPTION
    Called by tests/run.sh when pwsh exists. Needs Pester 5 (installed for the current user from the PowerShell
    Gallery if it is missing). Writes NUnit XML results to -ResultsPath and ends with exactly one line
    "PESTER <passed> <failed> <skipped>", which run.sh adds to its totals. Exits non-zero when a test fails.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ResultsPath
)
$ErrorActionPreference = 'Stop'

$pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0.0' | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) {
    Write-Host 'Pester 5 not found: installing it for the current user.'
    Install-Module -Name Pester -MinimumVersion 5.0.0 -Scope CurrentUser -Force -SkipPublisherCheck
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0.0' | Sort-Object Version -Descending | Select-Object -First 1
}
Import-Module $pester -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = Get-ChildItem -Path $PSScriptRoot -Filter '*.Tests.ps1' | ForEach-Object FullName
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultsPath

$result = Invoke-Pester -Configuration $configuration

# Tests that could not run count as failed (a broken BeforeAll skips a whole block otherwise unseen).
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
Write-Output ("PESTER {0} {1} {2}" -f $result.PassedCount, $failed, ($result.SkippedCount + $result.NotRunCount))
exit ([int]($failed -gt 0))
