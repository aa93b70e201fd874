using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// The per-user key is made by whichever command stores the first secret; commands that do so at once (two runbooks
/// setting up backends in parallel) must end up with one key, or a secret sealed by the loser could never be opened.
/// </summary>
public sealed class KeyFileCreationTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("storagesnapshot-keyfile-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Stores_creating_the_key_at_once_all_seal_with_the_one_key_that_stays()
    {
        for (var round = 0; round < 20; round++)
        {
            var keyFile = Path.Combine(root, $"round-{round}", "secret.key");
            var stores = Enumerable.Range(0, 8).Select(_ => new KeyFileSecretStore(keyFile)).ToArray();
            using var start = new Barrier(stores.Length);

            var sealedTexts = await Task.WhenAll(stores.Select((store, i) => Task.Run(() =>
            {
                start.SignalAndWait();
                return store.Protect($"secret {i}", "password");
            })));

            // A store that never saw the race reads the key that stayed: every sealed secret opens with it.
            var reader = new KeyFileSecretStore(keyFile);
            for (var i = 0; i < stores.Length; i++) Assert.Equal($"secret {i}", reader.Reveal(sealedTexts[i], "password"));
            Assert.Equal(["secret.key"], Directory.GetFiles(Path.GetDirectoryName(keyFile)!).Select(Path.GetFileName));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }
}
