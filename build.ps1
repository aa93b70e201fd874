#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the StorageSnapshot module.
.DESCRIPTION
    A thin wrapper over dotnet: nothing here is needed by `dotnet build` or `dotnet test`, which lay out the
    module in out/StorageSnapshot/ on their own.
      Build    dotnet build (Release by default) -> out/StorageSnapshot/, importable as ./StorageSnapshot.psd1
      Test     bash tests/run.sh (every xunit suite, and the Pester suite since pwsh is here)
      Demo     examples/quickstart.ps1 against the freshly built module, in a temporary folder
      Package  a .nupkg of out/StorageSnapshot/ that Publish-PSResource / Install-PSResource accept
      Clean    dotnet clean and remove out/ and artifacts/
.EXAMPLE
    ./build.ps1 -Task Demo
.EXAMPLE
    ./build.ps1 -Task Package; Publish-PSResource -NupkgPath ./artifacts/packages/StorageSnapshot.0.1.0.nupkg -Repository MyRepo
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleFolder = Join-Path $root 'out/StorageSnapshot'

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    Write-Host "> $Command $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command exited with code $LASTEXITCODE." }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'StorageSnapshot.sln'), '-c', $Configuration, '-nologo')
}

function Invoke-Test {
    Invoke-Native bash @((Join-Path $root 'tests/run.sh'))
}

function Invoke-Demo {
    Invoke-Build
    # A child pwsh: the demo imports the module fresh and cannot touch this session's state. It is the pwsh in
    # $PSHOME: when PowerShell runs as a dotnet tool, this process is `dotnet`, not pwsh. -NonInteractive: a
    # prompt for a missing parameter is a bug in the demo, reported as an error instead of waiting for input.
    Invoke-Native (Join-Path $PSHOME 'pwsh') @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'examples/quickstart.ps1'))
}

function Invoke-Package {
    Invoke-Build
    $version = (Import-PowerShellDataFile (Join-Path $moduleFolder 'StorageSnapshot.psd1')).ModuleVersion
    $output = Join-Path $root 'artifacts/packages'
    $staging = Join-Path $root 'artifacts/package-staging'
    Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    New-Item -ItemType Directory -Force -Path $output, $staging | Out-Null

    # The package is the module folder itself (manifest at the package root, paths module-relative) plus the
    # .nuspec PowerShellGet/PSResourceGet write for a module: id = module name, tags PSModule and PSCmdlet_*.
    Copy-Item -Path (Join-Path $moduleFolder '*') -Destination $staging -Recurse
    Get-ChildItem -LiteralPath $staging -Recurse -Filter '*.pdb' | Remove-Item
    $manifest = Import-PowerShellDataFile (Join-Path $staging 'StorageSnapshot.psd1')
    $psData = $manifest.PrivateData.PSData
    $tags = @('PSModule', 'PSEdition_Core') + $psData.Tags + ($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
    $escape = { param($text) [Security.SecurityElement]::Escape([string]$text) }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>StorageSnapshot</id>
    <version>$version</version>
    <authors>$(& $escape $manifest.Author)</authors>
    <owners>$(& $escape $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <license type="expression">MIT</license>
    <projectUrl>$(& $escape $psData.ProjectUri)</projectUrl>
    <description>$(& $escape $manifest.Description)</description>
    <releaseNotes>$(& $escape $psData.ReleaseNotes)</releaseNotes>
    <copyright>$(& $escape $manifest.Copyright)</copyright>
    <tags>$(& $escape (($tags | Select-Object -Unique) -join ' '))</tags>
  </metadata>
</package>
"@
    $nuspecPath = Join-Path $root 'artifacts/StorageSnapshot.nuspec'
    Set-Content -LiteralPath $nuspecPath -Value $nuspec -Encoding utf8NoBOM

    # dotnet pack needs a project; a throwaway one that only packs the staged files, no build output.
    $project = Join-Path $root 'artifacts/package-staging.csproj'
    @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <NoBuild>true</NoBuild>
    <IncludeBuildOutput>false</IncludeBuildOutput>
    <NuspecFile>$nuspecPath</NuspecFile>
    <NuspecBasePath>$staging</NuspecBasePath>
  </PropertyGroup>
</Project>
"@ | Set-Content -LiteralPath $project -Encoding utf8NoBOM
    # The nuspec has no <files>: NuGet then packs everything under NuspecBasePath, keeping the folder layout.
    Invoke-Native dotnet @('pack', $project, '-o', $output, '-nologo', '-p:NoWarn=NU5100%3BNU5110%3BNU5111')
    Remove-Item -LiteralPath $project, $nuspecPath
    Get-ChildItem -LiteralPath $output -Filter "StorageSnapshot.$version.nupkg"
}

function Invoke-Clean {
    Invoke-Native dotnet @('clean', (Join-Path $root 'StorageSnapshot.sln'), '-c', $Configuration, '-nologo')
    foreach ($folder in 'out', 'artifacts', 'en-US') {
        Remove-Item -LiteralPath (Join-Path $root $folder) -Recurse -Force -ErrorAction SilentlyContinue
    }
}

foreach ($step in $Task) {
    Write-Host "== $step" -ForegroundColor Cyan
    & "Invoke-$step"
}
