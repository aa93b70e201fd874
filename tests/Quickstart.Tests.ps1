#Requires -Version 7.4
<#
    The README's quickstart, exactly as a new user types it: `pwsh ./build.ps1 -Task Demo` from the root of the
    clone (it builds, then runs examples/quickstart.ps1 in a child pwsh). It must end with exit code 0 and show
    that each step did what it says.
#>

Describe 'The quickstart: pwsh ./build.ps1 -Task Demo' {
    BeforeAll {
        $root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
        $info = [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
        foreach ($argument in '-NoProfile', '-NonInteractive', './build.ps1', '-Task', 'Demo') { $info.ArgumentList.Add($argument) }
        $info.WorkingDirectory = $root
        $info.RedirectStandardInput = $true    # closed at once: nothing may wait for an answer
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $info.Environment['NO_COLOR'] = '1'
        $process = [Diagnostics.Process]::Start($info)
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        # Bounded: a hang is a failure with what was printed so far, not a stuck test command.
        if (-not $process.WaitForExit([TimeSpan]::FromMinutes(10))) {
            $process.Kill($true)
            $process.WaitForExit()
        }
        $script:ExitCode = $process.ExitCode
        $script:Output = $stdout.GetAwaiter().GetResult() + $stderr.GetAwaiter().GetResult()
        # Plain text: drop any ANSI colour sequences the host wrote anyway.
        $script:Text = $script:Output -replace '\x1b\[[0-9;]*m', ''
    }

    It 'exits with code 0' {
        $script:ExitCode | Should -Be 0 -Because "the demo printed:`n$script:Text"
    }

    It 'reverts, clones, copies, verifies and restores as it says' {
        $script:Text | Should -Match "The volume reads again: 'orders: 1, 2, 3'" -Because "the demo printed:`n$script:Text"
        $script:Text | Should -Match "The clone reads: 'orders: 1, 2, 3'"
        $script:Text | Should -Match 'byte for byte the snapshot nightly-1'
        $script:Text | Should -Match 'Volumes left: 0, backends left: 0, copies left: 0'
        $script:Text | Should -Match 'Done\. Next: Get-Help about_StorageSnapshot'
    }
}
