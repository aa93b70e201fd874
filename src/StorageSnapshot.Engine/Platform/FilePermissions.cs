namespace StorageSnapshot.Engine.Platform;

/// <summary>
/// The permissions of what the engine and its drivers create on Unix: volume data, copies and lock files, and the
/// folders holding them. By default they are the owner's alone (files 0600, folders 0700): a volume image or a
/// chunk is someone's disk, and even a lock file's name tells which backend and volume exist. A directory
/// backend may ask for group access (<see cref="Parse"/>: 0640 or 0660, folders 0750 or 0770) so that a
/// hypervisor or backup group can reach the images; world access is never given.
/// Files are created with their final mode (no moment with wider permissions) and then set to it exactly, so the
/// process umask can only narrow what was created, never what was asked for. Windows keeps the ACLs a new file
/// inherits from its folder (the per-user profile folder for the home folder).
/// </summary>
internal sealed record FilePermissions(UnixFileMode File, UnixFileMode Directory)
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerAll = OwnerReadWrite | UnixFileMode.UserExecute;

    /// <summary>Files 0600, folders 0700.</summary>
    public static FilePermissions OwnerOnly { get; } = new(OwnerReadWrite, OwnerAll);

    /// <summary>The octal modes a directory backend's <c>Mode</c> property accepts, canonical spelling first.</summary>
    public static IReadOnlyList<string> AcceptedModes { get; } = new[] { "0600", "0640", "0660" };

    /// <summary>"0600", "0640" or "0660" (with or without the leading 0); null for anything else.</summary>
    public static FilePermissions? Parse(string? octal)
    {
        var text = octal?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (text.Length == 3) text = "0" + text;
        return text switch
        {
            "0600" => OwnerOnly,
            "0640" => new FilePermissions(OwnerReadWrite | UnixFileMode.GroupRead, OwnerAll | UnixFileMode.GroupRead | UnixFileMode.GroupExecute),
            "0660" => new FilePermissions(OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
                OwnerAll | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute),
            _ => null,
        };
    }

    /// <summary>The file mode in octal ("0640").</summary>
    public string FileOctal => Octal(File);

    /// <summary>
    /// Creates <paramref name="path"/> if it does not exist (with any missing parents) with <see cref="Directory"/>,
    /// and sets that exact mode on it when it was created here. An existing folder is left as it is: it may be an
    /// admin's, with permissions chosen on purpose.
    /// </summary>
    public void CreateDirectory(string path)
    {
        if (System.IO.Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
            return;
        }
        System.IO.Directory.CreateDirectory(path, Directory);
        try
        {
            System.IO.File.SetUnixFileMode(path, Directory);
        }
        catch (UnauthorizedAccessException)
        {
            // Created by another user at the same moment: theirs to set.
        }
    }

    /// <summary>
    /// Options that create a new file (<see cref="FileMode.CreateNew"/> unless <paramref name="mode"/> says
    /// otherwise) with <see cref="File"/> from the start.
    /// </summary>
    public FileStreamOptions NewFile(FileAccess access, FileShare share = FileShare.None, FileMode mode = FileMode.CreateNew, int bufferSize = 0,
        FileOptions options = FileOptions.None, long preallocationSize = 0)
    {
        var created = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = options,
            PreallocationSize = preallocationSize,
        };
        if (!OperatingSystem.IsWindows()) created.UnixCreateMode = File;
        return created;
    }

    /// <summary>
    /// Sets <see cref="File"/> exactly on a file just created through <see cref="NewFile"/> (the umask may have
    /// removed group bits that were asked for).
    /// </summary>
    public void Apply(FileStream created)
    {
        ArgumentNullException.ThrowIfNull(created);
        if (OperatingSystem.IsWindows() || File == OwnerReadWrite) return; // 0600 cannot be narrowed by a umask that leaves the owner alone
        System.IO.File.SetUnixFileMode(created.SafeFileHandle, File);
    }

    /// <summary>The octal text of a mode, for messages ("0755").</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
