<#
    The storage the Pester suite runs its `lab` backend on, by kind: tests/StorageSnapshot.Tests.ps1 reads the kind
    from $env:STORAGESNAPSHOT_TEST_BACKEND_KIND (default 'directory'); tests/run.sh runs that file once more per kind
    (suites Pester-btrfs, Pester-qcow2, Pester-ceph-rbd); a kind is named like its driver. Dot-sourced by the test
    file and by tests/Invoke-Pester.ps1 (which skips a kind whose prerequisites are missing, unless
    STORAGESNAPSHOT_INTEGRATION=required, when the run fails instead).
    A kind is one entry of each function below: what it needs, how its backend is made (its properties) and removed,
    and how a test reads and writes a volume's first bytes through its Location.
    ceph-rbd: a fresh RBD namespace in the test cluster of tests/infrastructure/ceph.sh, found as the xunit tests find
    it ($env:STORAGESNAPSHOT_CEPH_CONF, else /tmp/storagesnapshot-ceph-cluster/ceph.conf); volume bytes go through the
    rbd command (tests only: the module itself never runs it).
#>

function Get-TestBackendKind {
    if ($env:STORAGESNAPSHOT_TEST_BACKEND_KIND) { $env:STORAGESNAPSHOT_TEST_BACKEND_KIND } else { 'directory' }
}

# Why the kind cannot run here, or $null when it can.
function Test-TestBackendPrerequisite([string] $Kind) {
    $has = { param($tool) [bool](Get-Command $tool -CommandType Application -ErrorAction Ignore) }
    switch ($Kind) {
        'directory' { return $null }
        'btrfs' {
            if (-not $IsLinux) { return 'btrfs needs Linux' }
            if ((& id -u) -ne '0') { return 'a btrfs loop filesystem needs root' }
            foreach ($tool in 'losetup', 'mkfs.btrfs', 'mount', 'umount') { if (-not (& $has $tool)) { return "btrfs needs '$tool'" } }
            return $null
        }
        'qcow2' {
            if (-not $IsLinux) { return 'qcow2 needs Linux' }
            foreach ($tool in 'qemu-img', 'qemu-io', 'qemu-nbd') { if (-not (& $has $tool)) { return "qcow2 needs '$tool' (apt install qemu-utils)" } }
            return $null
        }
        'ceph-rbd' {
            $conf = Get-TestCephConf
            if (-not (Test-Path -LiteralPath $conf)) { return "ceph-rbd needs the Ceph test cluster ('$conf' is missing: run 'bash tests/infrastructure/ceph.sh start')" }
            if (-not (& $has 'rbd')) { return "ceph-rbd needs the 'rbd' command (ceph-common)" }
            return $null
        }
        default { return "unknown backend kind '$Kind' (known: directory, btrfs, qcow2, ceph-rbd)" }
    }
}

function Get-TestCephConf {
    if ($env:STORAGESNAPSHOT_CEPH_CONF) { $env:STORAGESNAPSHOT_CEPH_CONF } else { '/tmp/storagesnapshot-ceph-cluster/ceph.conf' }
}

# The rbd command against the test cluster; throws with its output when it fails.
function Invoke-TestRbd {
    $output = & rbd --conf (Get-TestCephConf) @args 2>&1
    if ($LASTEXITCODE -ne 0) { throw "rbd $($args -join ' ') failed ($LASTEXITCODE): $output" }
    $output
}

# A new place for the `lab` backend of $Kind; returns @{ Path; Properties; Storage }: Path is where the volumes'
# Locations point (a folder, or rbd:pool/namespace), Properties what Register-StorageBackend gets, Storage what
# Remove-TestBackendFolder undoes.
function New-TestBackendFolder([string] $Kind, [string] $Under) {
    $made = New-TestBackendStorage -Kind $Kind -Under $Under
    if (-not $made.ContainsKey('Properties')) { $made.Properties = @{ Path = $made.Path } }
    return $made
}

function New-TestBackendStorage([string] $Kind, [string] $Under) {
    switch ($Kind) {
        'ceph-rbd' {
            $pool = if ($env:STORAGESNAPSHOT_CEPH_POOL) { $env:STORAGESNAPSHOT_CEPH_POOL } else { 'rbd' }
            $namespace = "pester-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
            Invoke-TestRbd namespace create "$pool/$namespace" | Out-Null
            return @{
                Path = "rbd:$pool/$namespace"
                Properties = @{ Pool = $pool; Namespace = $namespace; ConfigFile = (Get-TestCephConf) }
                Storage = @{ Pool = $pool; Namespace = $namespace }
            }
        }
        'btrfs' {
            # A btrfs filesystem of its own on a loop device, named like every test loop file (CI's cleanup finds it).
            $image = "/tmp/storagesnapshot-pester-btrfs-$([guid]::NewGuid().ToString('N')).img"
            $mount = (New-Item -ItemType Directory -Path "/tmp/storagesnapshot-pester-mnt-$([guid]::NewGuid().ToString('N'))").FullName
            $file = [IO.File]::Create($image); $file.SetLength(1GB); $file.Dispose()
            $device = (& losetup -f --show $image).Trim()
            & mkfs.btrfs -f -q $device | Out-Null
            & mount $device $mount
            if ($LASTEXITCODE -ne 0) { throw "mounting btrfs on $device failed" }
            $path = (New-Item -ItemType Directory -Path (Join-Path $mount 'volumes')).FullName
            return @{ Path = $path; Storage = @{ Image = $image; Device = $device; Mount = $mount } }
        }
        'qcow2' {
            # Outside TestDrive:, which Pester empties of a Describe's files when it ends: a snapshot layer made in one
            # Describe is a backing file of its volume in the next.
            $folder = [IO.Directory]::CreateTempSubdirectory('storagesnapshot-pester-qcow2-').FullName
            return @{ Path = $folder; Storage = @{ Folder = $folder } }
        }
        default {
            return @{ Path = (New-Item -ItemType Directory -Path (Join-Path $Under 'volumes')).FullName; Storage = $null }
        }
    }
}

function Remove-TestBackendFolder([hashtable] $Storage) {
    if (-not $Storage) { return }
    if ($Storage.ContainsKey('Folder')) { Remove-Item -LiteralPath $Storage.Folder -Recurse -Force -ErrorAction Ignore; return }
    if ($Storage.ContainsKey('Namespace')) {
        # What a failed test left in the namespace (clones before their parents: a few rounds), then the namespace.
        $conf = Get-TestCephConf
        $namespace = "$($Storage.Pool)/$($Storage.Namespace)"
        foreach ($round in 1..3) {
            foreach ($image in @(& rbd --conf $conf ls $namespace 2>$null)) {
                $spec = "$namespace/$image"
                foreach ($snapshot in @(& rbd --conf $conf snap ls --format json $spec 2>$null | ConvertFrom-Json)) {
                    if ($snapshot.protected -eq 'true') { & rbd --conf $conf snap unprotect "$spec@$($snapshot.name)" *> $null }
                }
                & rbd --conf $conf snap purge --no-progress $spec *> $null
                & rbd --conf $conf rm --no-progress $spec *> $null
            }
        }
        & rbd --conf $conf namespace remove $namespace *> $null
        return
    }
    # Subvolumes go with the filesystem: unmount (lazily if a handle is still open), detach, delete.
    & umount $Storage.Mount 2>$null
    if ($LASTEXITCODE -ne 0) { & umount -l $Storage.Mount 2>$null }
    & losetup -d $Storage.Device 2>$null
    Remove-Item -LiteralPath $Storage.Mount -Force -ErrorAction Ignore
    Remove-Item -LiteralPath $Storage.Image -Force -ErrorAction Ignore
}

# Whether a volume's data is there: its image file, or its RBD image.
function Test-TestVolumeData([string] $Location) {
    if ($Location -like 'rbd:*') {
        & rbd --conf (Get-TestCephConf) info $Location.Substring(4) *> $null
        return $LASTEXITCODE -eq 0
    }
    Test-Path -LiteralPath $Location
}

# Writes $Bytes at the start of the volume whose Location is $Location (guest bytes: through qemu-io for qcow2, the
# rbd command for ceph-rbd).
function Write-TestVolumeBytes([string] $Kind, [string] $Location, [byte[]] $Bytes) {
    if ($Location -like 'rbd:*') {
        # `rbd import-diff` applies a diff stream to an existing image: the v1 format is the header line, a 'w'
        # record (little-endian offset and length, then the data) and the end record 'e'.
        $diff = [IO.MemoryStream]::new()
        $diff.Write([Text.Encoding]::ASCII.GetBytes("rbd diff v1`n"))
        $diff.WriteByte([byte][char]'w')
        $diff.Write([BitConverter]::GetBytes([uint64]0))
        $diff.Write([BitConverter]::GetBytes([uint64]$Bytes.Length))
        $diff.Write($Bytes)
        $diff.WriteByte([byte][char]'e')
        $file = Join-Path ([IO.Path]::GetTempPath()) "storagesnapshot-diff-$([guid]::NewGuid().ToString('N'))"
        try {
            [IO.File]::WriteAllBytes($file, $diff.ToArray())
            Invoke-TestRbd import-diff --no-progress $file $Location.Substring(4) | Out-Null
        }
        finally { Remove-Item -LiteralPath $file -Force -ErrorAction Ignore }
        return
    }
    if ($Kind -eq 'qcow2') {
        $source = [IO.Path]::GetTempFileName()
        try {
            [IO.File]::WriteAllBytes($source, $Bytes)
            $output = & qemu-io -f qcow2 -c "write -s $source 0 $($Bytes.Length)" $Location 2>&1
            if ($LASTEXITCODE -ne 0) { throw "qemu-io could not write to '$Location': $output" }
        }
        finally { Remove-Item -LiteralPath $source -Force }
        return
    }
    $stream = [IO.File]::Open($Location, 'Open', 'Write')
    try { $stream.Write($Bytes, 0, $Bytes.Length) } finally { $stream.Dispose() }
}

# Reads the first $Count bytes of the volume whose Location is $Location.
function Read-TestVolumeBytes([string] $Kind, [string] $Location, [int] $Count) {
    if ($Location -like 'rbd:*') {
        $target = Join-Path ([IO.Path]::GetTempPath()) "storagesnapshot-export-$([guid]::NewGuid().ToString('N')).raw"
        try {
            Invoke-TestRbd export --no-progress $Location.Substring(4) $target | Out-Null
            $stream = [IO.File]::OpenRead($target)
            try {
                $buffer = [byte[]]::new($Count)
                $null = $stream.Read($buffer, 0, $Count)
                return $buffer
            }
            finally { $stream.Dispose() }
        }
        finally { Remove-Item -LiteralPath $target -Force -ErrorAction Ignore }
    }
    if ($Kind -eq 'qcow2') {
        $target = Join-Path ([IO.Path]::GetTempPath()) "storagesnapshot-read-$([guid]::NewGuid().ToString('N')).raw"
        try {
            $output = & qemu-img dd -f qcow2 -O raw bs=$Count count=1 "if=$Location" "of=$target" 2>&1
            if ($LASTEXITCODE -ne 0) { throw "qemu-img dd could not read '$Location': $output" }
            return [IO.File]::ReadAllBytes($target)[0..($Count - 1)]
        }
        finally { Remove-Item -LiteralPath $target -Force -ErrorAction Ignore }
    }
    $stream = [IO.File]::OpenRead($Location)
    try {
        $buffer = [byte[]]::new($Count)
        $null = $stream.Read($buffer, 0, $Count)
        return $buffer
    }
    finally { $stream.Dispose() }
}

<#
    The secondary storage the 'Secondary storage' tests copy to, by kind: $env:STORAGESNAPSHOT_TEST_SECONDARY_KIND
    'filesystem' (default: an empty folder in TestDrive:) or 's3' (tests/run.sh's suite Pester-s3: a fresh bucket on the
    RADOS Gateway of tests/infrastructure/ceph.sh, found as the xunit tests find it — $env:STORAGESNAPSHOT_S3_* else the
    script's well-known endpoint, test user and rclone configuration; the tests look behind the module's back with
    rclone, which ceph.sh installs). tests/Invoke-Pester.ps1 skips an s3 run whose gateway is missing, unless
    STORAGESNAPSHOT_INTEGRATION=required, when the run fails instead.
#>
function Get-TestSecondaryKind {
    if ($env:STORAGESNAPSHOT_TEST_SECONDARY_KIND) { $env:STORAGESNAPSHOT_TEST_SECONDARY_KIND } else { 'filesystem' }
}

function Get-TestS3Setting([string] $Name) {
    $defaults = @{
        Endpoint = 'http://127.0.0.1:7480'; AccessKey = 'STORAGESNAPSHOTTEST0001'; SecretKey = 'storagesnapshotTestSecretKey000000000001'
        RcloneConf = (Join-Path ($env:STORAGESNAPSHOT_CEPH_DIR ? $env:STORAGESNAPSHOT_CEPH_DIR : '/tmp/storagesnapshot-ceph-cluster') 'rgw/rclone.conf')
    }
    $variable = @{ Endpoint = 'STORAGESNAPSHOT_S3_ENDPOINT'; AccessKey = 'STORAGESNAPSHOT_S3_ACCESS_KEY'; SecretKey = 'STORAGESNAPSHOT_S3_SECRET_KEY'; RcloneConf = 'STORAGESNAPSHOT_S3_RCLONE_CONF' }[$Name]
    $value = [Environment]::GetEnvironmentVariable($variable)
    if ($value) { $value } else { $defaults[$Name] }
}

# Why the secondary kind cannot run here, or $null when it can.
function Test-TestSecondaryPrerequisite([string] $Kind) {
    switch ($Kind) {
        'filesystem' { return $null }
        's3' {
            if (-not (Get-Command rclone -CommandType Application -ErrorAction Ignore)) { return "s3 needs 'rclone' (tests/infrastructure/ceph.sh installs it)" }
            $conf = Get-TestS3Setting RcloneConf
            if (-not (Test-Path -LiteralPath $conf)) { return "s3 needs the RADOS Gateway of the Ceph test cluster ('$conf' is missing: run 'bash tests/infrastructure/ceph.sh start')" }
            $endpoint = [uri](Get-TestS3Setting Endpoint)
            $client = [Net.Sockets.TcpClient]::new()
            try {
                $connected = try { $client.ConnectAsync($endpoint.Host, $endpoint.Port).Wait([TimeSpan]::FromSeconds(2)) -and $client.Connected } catch { $false }
                if (-not $connected) { return "s3 needs the RADOS Gateway: nothing answers at $endpoint (run 'bash tests/infrastructure/ceph.sh start')" }
            }
            finally { $client.Dispose() }
            return $null
        }
        default { return "unknown secondary storage kind '$Kind' (known: filesystem, s3)" }
    }
}

# rclone with the gateway's test configuration; throws with its output when it fails. The environment's AWS_CA_BUNDLE
# makes it fail on a plain-HTTP endpoint, so it is left out of rclone's environment.
function Invoke-TestRclone {
    $bundle = $env:AWS_CA_BUNDLE
    Remove-Item Env:AWS_CA_BUNDLE -ErrorAction Ignore
    try { $output = & rclone --config (Get-TestS3Setting RcloneConf) @args 2>&1 }
    finally { if ($bundle) { $env:AWS_CA_BUNDLE = $bundle } }
    if ($LASTEXITCODE -ne 0) { throw "rclone $($args -join ' ') failed ($LASTEXITCODE): $output" }
    $output
}

# Registers secondary storage $Name of $Kind on a new place (64 KiB chunks); returns @{ Kind; Path; Chunks; Bucket }:
# Path is the storage's Path as registered, Chunks where its chunks are (a folder, or rgw:bucket/prefix/chunks).
function New-TestSecondaryStorage([string] $Kind, [string] $Name, [string] $Under) {
    switch ($Kind) {
        'filesystem' {
            # An existing empty folder, as a mounted share would be.
            $folder = (New-Item -ItemType Directory -Path (Join-Path $Under "secondary-$Name")).FullName
            Register-SecondaryStorage -Name $Name -Path $folder -ChunkSizeBytes 64KB
            return @{ Kind = $Kind; Path = $folder; Chunks = (Join-Path $folder 'chunks') }
        }
        's3' {
            $bucket = "storagesnapshot-pester-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
            $null = Invoke-TestRclone mkdir "rgw:$bucket"
            $key = [pscredential]::new((Get-TestS3Setting AccessKey), (ConvertTo-SecureString (Get-TestS3Setting SecretKey) -AsPlainText -Force))
            Register-SecondaryStorage -Name $Name -S3 -Endpoint (Get-TestS3Setting Endpoint) -Bucket $bucket -Prefix 'pester/site1' -Credential $key -ForcePathStyle -ChunkSizeBytes 64KB
            return @{ Kind = $Kind; Path = "$((Get-TestS3Setting Endpoint).TrimEnd('/'))/$bucket/pester/site1"; Chunks = "rgw:$bucket/pester/site1/chunks"; Bucket = $bucket }
        }
        default { throw "unknown secondary storage kind '$Kind'" }
    }
}

# Flips the first bit of one stored chunk behind the module's back (a folder's file, or a bucket's object).
function Invoke-TestChunkCorruption([hashtable] $Storage) {
    if ($Storage.Kind -eq 'filesystem') {
        $chunk = Get-ChildItem $Storage.Chunks -Recurse -File | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($chunk.FullName)
        $bytes[0] = $bytes[0] -bxor 1
        [IO.File]::WriteAllBytes($chunk.FullName, $bytes)
        return
    }
    $object = "$($Storage.Chunks)/$(@(Invoke-TestRclone lsf -R --files-only $Storage.Chunks)[0])"
    $file = Join-Path ([IO.Path]::GetTempPath()) "storagesnapshot-pester-chunk-$([guid]::NewGuid().ToString('N'))"
    try {
        $null = Invoke-TestRclone copyto $object $file
        $bytes = [IO.File]::ReadAllBytes($file)
        $bytes[0] = $bytes[0] -bxor 1
        [IO.File]::WriteAllBytes($file, $bytes)
        $null = Invoke-TestRclone copyto --ignore-times $file $object
    }
    finally { Remove-Item -LiteralPath $file -ErrorAction Ignore }
}

# Deletes what New-TestSecondaryStorage made outside TestDrive: (an s3 run's bucket, with everything in it).
function Remove-TestSecondaryStorage([hashtable] $Storage) {
    if ($Storage -and $Storage.Kind -eq 's3') { $null = Invoke-TestRclone purge "rgw:$($Storage.Bucket)" }
}
