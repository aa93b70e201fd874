using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secrets;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.TestHost;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// Secret backend properties (issue 8): stored encrypted at rest with a per-user key kept outside the database,
/// taken through a credential, revealed to the driver only, and never printed — not in a returned object, a
/// ShouldProcess question, a verbose line, a warning, an error (message, recommended action, target, inner
/// exceptions), an event, the journal, or any file the module writes. Driven through a test driver whose
/// validation and errors quote the password, as a careless driver would.
/// </summary>
public sealed class SecretTests : IAsyncDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("storagesnapshot-secrets-").FullName;
    private readonly string secret = "Pl4nted-" + Guid.NewGuid().ToString("N");
    private readonly string rotated = "R0tated-" + Guid.NewGuid().ToString("N");
    private readonly string wrong = "Wr0ng-" + Guid.NewGuid().ToString("N");
    private readonly string token = "7" + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999) + "31";
    private readonly string token2 = "8" + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999) + "42";
    private readonly SecretDirectoryDriver driver;
    private readonly List<RecordingContext> contexts = new();
    private readonly List<object?> seen = new();
    private StorageSnapshotEngine engine = null!;

    public SecretTests()
    {
        driver = new SecretDirectoryDriver(secret);
        Directory.CreateDirectory(BackendPath);
    }

    private string Home => Path.Combine(root, "home");
    private string BackendPath => Path.Combine(root, "backend");
    private string KeyFile => Path.Combine(Home, SecretStores.DefaultKeyFileName);
    private string[] Planted => new[] { secret, rotated, wrong, token, token2 };

    private EngineOptions Options => new()
    {
        HomeDirectory = Home,
        Drivers = new DriverRegistry().Add(new DirectoryDriver()).Add(driver),
        SecretStore = new KeyFileSecretStore(Path.Combine(Home, SecretStores.DefaultKeyFileName)),
    };

    private async Task OpenAsync()
    {
        if (engine is not null) await engine.DisposeAsync();
        engine = await StorageSnapshotEngine.OpenAsync(Options, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (engine is not null) await engine.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    private RecordingContext Context(bool answer = true)
    {
        var context = new RecordingContext(answer);
        contexts.Add(context);
        return context;
    }

    private async Task<T> Seen<T>(Task<T> call)
    {
        var result = await call;
        seen.Add(result);
        return result;
    }

    private async Task<TException> Refused<TException>(Func<Task> call) where TException : Exception
    {
        var error = await Assert.ThrowsAnyAsync<TException>(call);
        seen.Add(error);
        return error;
    }

    private Task<Backend?> RegisterVaultAsync(string name = "vault", string? password = null, string? path = null) =>
        engine.RegisterBackendAsync(new RegisterBackendRequest(name, SecretDirectoryDriver.DriverName,
            new Dictionary<string, object?> { ["Path"] = path ?? BackendPath, ["Token"] = long.Parse(token) })
        {
            Credential = new BackendCredential("svc", password ?? secret),
        }, Context());

    [Fact]
    public async Task A_planted_secret_is_nowhere_but_encrypted_in_the_inventory_and_clear_only_in_the_driver()
    {
        await OpenAsync();
        var registered = await Seen(RegisterVaultAsync());
        Assert.Equal(("svc", "********", "********"), (registered!.Properties["User"], registered.Properties["Password"], registered.Properties["Token"]));

        // The whole life of a backend: volumes, snapshots, revert, clone, copy, verify against the source, removal.
        var volume = await Seen(engine.NewVolumeAsync(new NewVolumeRequest("vault", "db01", 1 << 20), Context()));
        EngineTestBedWrite(volume!, new byte[] { 1, 2, 3 });
        var snapshot = await Seen(engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume!)) { Name = "nightly" }, Context()));
        await Seen(engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot!), Context()));
        await Seen(engine.CloneVolumeAsync(new CloneVolumeRequest("db01-clone", SnapshotSelector.Of(snapshot!)), Context()));
        await Seen(engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", Path.Combine(root, "secondary")) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 }, Context()));
        var copy = await Seen(engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot!), "nfs1"), Context()));
        Assert.True((await Seen(engine.TestSnapshotCopyAsync(copy!.Id, compareWithSource: true, Context()))).Valid);

        // Changing it: maintenance, a new token, a rotated password (asked with -WhatIf first), all while it has volumes.
        await Seen(engine.SetBackendAsync(new SetBackendRequest("vault") { MaintenanceMode = true, Reason = "rotating the password" }, Context()));
        driver.AcceptedPassword = rotated; // changed on the array first
        Assert.Null(await Seen(engine.SetBackendAsync(new SetBackendRequest("vault") { Credential = new BackendCredential("svc", rotated) }, Context(answer: false))));
        var set = await Seen(engine.SetBackendAsync(new SetBackendRequest("vault")
        {
            Credential = new BackendCredential("svc", rotated),
            Properties = new Dictionary<string, object?> { ["Token"] = token2 },
            MaintenanceMode = false,
        }, Context()));
        Assert.Equal("********", set!.Properties["Password"]);
        await Seen(engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume!)) { Name = "after-rotation" }, Context()));
        Assert.Equal(rotated, driver.Opened.Last()["Password"]); // the driver gets the clear secret
        Assert.Equal(token2, driver.Opened.Last()["Token"]);
        Assert.Contains(driver.Opened, opened => opened["Password"] == secret);

        // What goes wrong, with the secret in the driver's words or in the input.
        var badLogin = await Refused<ValidationException>(() => RegisterVaultAsync("vault2", wrong, Directory.CreateDirectory(Path.Combine(root, "b2")).FullName));
        Assert.Equal(ErrorIds.PropertyValidationFailed, badLogin.ErrorId);
        Assert.Contains("with password '********' was refused", badLogin.Message, StringComparison.Ordinal);
        var badToken = await Refused<ValidationException>(() => engine.SetBackendAsync(new SetBackendRequest("vault") { Properties = new Dictionary<string, object?> { ["Token"] = "x" + token2 } }, Context()));
        Assert.Contains("'Token' must be an integer", badToken.Message, StringComparison.Ordinal);
        var twice = await Refused<ValidationException>(() => engine.SetBackendAsync(new SetBackendRequest("vault")
        {
            Credential = new BackendCredential("svc", wrong),
            Properties = new Dictionary<string, object?> { ["Password"] = wrong },
        }, Context()));
        Assert.Contains("given both in the credential and in the properties", twice.Message, StringComparison.Ordinal);
        var notTaken = await Refused<ValidationException>(() => engine.RegisterBackendAsync(new RegisterBackendRequest("plain", "directory",
            new Dictionary<string, object?> { ["Path"] = Directory.CreateDirectory(Path.Combine(root, "b3")).FullName })
        { Credential = new BackendCredential("svc", wrong) }, Context()));
        Assert.Contains("takes no credential", notTaken.Message, StringComparison.Ordinal);
        var failedCreate = await Refused<DriverFailedException>(() => engine.NewVolumeAsync(new NewVolumeRequest("vault", "fail-1", 1 << 20), Context()));
        Assert.Contains("password ********", failedCreate.Message, StringComparison.Ordinal);
        driver.AcceptedPassword = "something else";
        var failedLogin = await Refused<DriverFailedException>(() => engine.NewVolumeAsync(new NewVolumeRequest("vault", "db02", 1 << 20), Context()));
        Assert.Contains("authentication failed for svc:********", failedLogin.Message, StringComparison.Ordinal);
        driver.AcceptedPassword = rotated;
        await Seen(engine.RemoveVolumeAsync(new RemoveVolumeRequest(new VolumeSelector(Backend: "vault", Name: "db01-clone")), Context()));

        // Everything the engine said, returned and recorded.
        seen.Add(await engine.GetBackendsAsync(null, Context()));
        seen.Add(await engine.GetOperationsAsync(null, Context()));
        seen.Add(await engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None));
        seen.Add(await engine.GetVolumesAsync(new VolumeFilter(), Context()));
        await engine.DisposeAsync();
        engine = null!;

        var texts = new List<(string Where, string Text)>();
        foreach (var item in seen) texts.Add(("returned or thrown", Describe(item)));
        foreach (var context in contexts)
        {
            texts.AddRange(context.Output.Verbose.Select(v => ("verbose", v)));
            texts.AddRange(context.Output.Warnings.Select(w => ("warning", w)));
            texts.AddRange(context.Output.Progress.Select(p => ("progress", JsonSerializer.Serialize(p))));
            texts.AddRange(context.Output.Errors.Select(e => ("error", Describe(e))));
            texts.AddRange(context.ShouldProcess.Questions.Select(q => ("ShouldProcess", q.Target + " | " + q.Action)));
        }
        Assert.Contains(texts, t => t.Where == "ShouldProcess" && t.Text.Contains("property Password = ********", StringComparison.Ordinal));
        foreach (var (where, text) in texts)
            foreach (var planted in Planted)
                Assert.False(text.Contains(planted, StringComparison.Ordinal), $"a planted secret in a {where}: {text}");

        // Every file the module wrote: inventory (and its WAL), key, lock files, images, repository.
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("inventory.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var planted in Planted)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(planted)) < 0, $"'{planted}' in clear in {file}");
                Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(planted)) < 0, $"'{planted}' in UTF-16 in {file}");
            }
        }
        var database = File.ReadAllBytes(Path.Combine(Home, "inventory.db")).Concat(ReadIfExists(Path.Combine(Home, "inventory.db-wal"))).ToArray();
        Assert.True(database.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ProtectedText.Prefix + "aesgcm:")) >= 0, "the secrets are stored, encrypted");
        Assert.Equal(32, new FileInfo(KeyFile).Length);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
    }

    [Fact]
    public async Task A_secret_protected_with_another_key_is_SecretUnavailable_and_can_be_set_again()
    {
        await OpenAsync();
        await RegisterVaultAsync();
        await engine.DisposeAsync();
        File.WriteAllBytes(KeyFile, RandomNumberGenerator.GetBytes(32)); // another user's key, or the file replaced
        await OpenAsync();

        var error = await Refused<SecretUnavailableException>(() => engine.NewVolumeAsync(new NewVolumeRequest("vault", "db01", 1 << 20), Context()));

        Assert.Equal(ErrorIds.SecretUnavailable, error.ErrorId);
        Assert.Contains("'Password'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Token'", error.Message, StringComparison.Ordinal);
        Assert.Contains("of backend 'vault' cannot be used", error.Message, StringComparison.Ordinal);
        Assert.Contains(KeyFile, error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.SetSecretsAgain("vault"), error.Hint);
        Assert.Empty(await engine.GetVolumesAsync(new VolumeFilter(), Context()));
        Assert.Equal("********", (await engine.GetBackendsAsync(new[] { "vault" }, Context())).Single().Properties["Password"]); // still listed

        // Setting both secrets again (not revealing the old ones) makes the backend usable.
        await engine.SetBackendAsync(new SetBackendRequest("vault") { Credential = new BackendCredential("svc", secret), Properties = new Dictionary<string, object?> { ["Token"] = token } }, Context());
        Assert.NotNull(await engine.NewVolumeAsync(new NewVolumeRequest("vault", "db01", 1 << 20), Context()));
    }

    [Fact]
    public async Task A_missing_key_file_or_one_others_may_read_is_refused_naming_the_file()
    {
        await OpenAsync();
        await RegisterVaultAsync();

        if (!OperatingSystem.IsWindows())
        {
            await engine.DisposeAsync();
            File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            await OpenAsync();
            var loose = await Refused<SecretUnavailableException>(() => engine.NewVolumeAsync(new NewVolumeRequest("vault", "db01", 1 << 20), Context()));
            Assert.Contains("may be read or written by others (mode 0644)", loose.Message, StringComparison.Ordinal);
            Assert.Contains($"chmod 600 '{KeyFile}'", loose.RecommendedAction, StringComparison.Ordinal);
        }

        await engine.DisposeAsync();
        File.Delete(KeyFile);
        await OpenAsync();
        var missing = await Refused<SecretUnavailableException>(() => engine.NewVolumeAsync(new NewVolumeRequest("vault", "db01", 1 << 20), Context()));
        Assert.Contains("there is no key", missing.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyFile)); // revealing never makes a new key
    }

    [Fact]
    public async Task A_protected_value_moved_to_another_backend_does_not_open_there()
    {
        await OpenAsync();
        await RegisterVaultAsync("vault");
        await RegisterVaultAsync("other", path: Directory.CreateDirectory(Path.Combine(root, "other")).FullName);
        await using (var transaction = await engine.Inventory.BeginAsync(CancellationToken.None))
        {
            var vault = (await transaction.GetBackendAsync("vault", CancellationToken.None))!;
            var other = (await transaction.GetBackendAsync("other", CancellationToken.None))!;
            var swapped = new Dictionary<string, string>(other.Properties, StringComparer.OrdinalIgnoreCase) { ["Password"] = vault.Properties["Password"] };
            await transaction.UpdateBackendAsync(other with { Properties = swapped }, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        var error = await Refused<SecretUnavailableException>(() => engine.NewVolumeAsync(new NewVolumeRequest("other", "db01", 1 << 20), Context()));
        Assert.Contains("property 'Password' of backend 'other'", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<byte> ReadIfExists(string path) => File.Exists(path) ? File.ReadAllBytes(path) : Array.Empty<byte>();

    private static void EngineTestBedWrite(Volume volume, byte[] data)
    {
        using var file = new FileStream(volume.Location!, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Write(data);
    }

    /// <summary>An object as a user could see it: JSON of its properties, and for an error everything an ErrorRecord shows.</summary>
    private static string Describe(object? item)
    {
        if (item is Exception error)
        {
            var text = new StringBuilder(error.ToString());
            if (error is StorageSnapshotException typed)
            {
                text.AppendLine(typed.RecommendedAction).AppendLine(typed.Hint?.ToString()).AppendLine(Describe(typed.Target));
                if (typed is ValidationException validation) text.AppendLine(string.Join("\n", validation.Problems));
            }
            return text.ToString();
        }
        try
        {
            return JsonSerializer.Serialize(item, item?.GetType() ?? typeof(object));
        }
        catch (NotSupportedException)
        {
            return item?.ToString() ?? "";
        }
    }
}
