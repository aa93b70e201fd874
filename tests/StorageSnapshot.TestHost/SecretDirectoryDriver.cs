using System.Collections.Concurrent;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;

namespace StorageSnapshot.TestHost;

/// <summary>
/// A test-only driver with secret properties, as the Ceph, S3 and PostgreSQL drivers will have: the directory
/// driver's storage behind a login. <c>User</c> and <c>Password</c> are filled by -Credential (Password is
/// secret), <c>Token</c> is a secret integer given with -Property. It behaves like a careless real driver: its
/// validation problems and its errors quote the password they were given, so the tests can prove the engine
/// masks whatever a driver says. It records the properties each session was opened with, to prove the clear
/// secret does reach the driver.
/// </summary>
internal sealed class SecretDirectoryDriver : IStorageDriver
{
    public const string DriverName = "directory-secret";
    private readonly DirectoryDriver inner = new();

    /// <param name="acceptedPassword">The password the "array" accepts.</param>
    public SecretDirectoryDriver(string acceptedPassword)
    {
        AcceptedPassword = acceptedPassword;
        var path = inner.Descriptor.Schema.Properties.Single(p => p.Name == DirectoryDriver.PathProperty);
        Descriptor = inner.Descriptor with
        {
            Name = DriverName,
            Schema = new PropertySchema(
                path,
                new PropertyDefinition("User", PropertyType.String, "The account.", Required: true, Credential: CredentialPart.UserName),
                new PropertyDefinition("Password", PropertyType.String, "The account's password.", Required: true, Credential: CredentialPart.Password),
                new PropertyDefinition("Token", PropertyType.Integer, "An API token (a number).", Secret: true)),
        };
    }

    /// <summary>The password the "array" accepts now (a test changes it to make logins fail).</summary>
    public string AcceptedPassword { get; set; }

    /// <summary>The properties every session was opened with, clear, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Opened { get; } = new();

    public DriverDescriptor Descriptor { get; }

    public string? DataLocation(IReadOnlyDictionary<string, string> properties) => inner.DataLocation(properties);

    public async Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        var problems = (await inner.ValidateBackendAsync(properties, cancellationToken).ConfigureAwait(false)).ToList();
        var password = properties.GetValueOrDefault("Password");
        if (password != AcceptedPassword)
            problems.Add($"Login as '{properties.GetValueOrDefault("User")}' with password '{password}' was refused by the array.");
        return problems;
    }

    public async Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        Opened.Enqueue(new Dictionary<string, string>(properties, StringComparer.OrdinalIgnoreCase));
        var password = properties.GetValueOrDefault("Password");
        if (password != AcceptedPassword)
        {
            throw new InvalidOperationException($"authentication failed for {properties.GetValueOrDefault("User")}:{password}",
                new IOException($"server said: bad password '{password}'"));
        }
        var opened = await inner.OpenBackendAsync(backendName, properties, cancellationToken).ConfigureAwait(false);
        return new LoggedInBackend(opened, password);
    }

    /// <summary>The directory backend, except that creating a volume named fail-* fails with an error quoting the password.</summary>
    private sealed class LoggedInBackend(IDriverBackend inner, string password) : IDriverBackend
    {
        public DriverCapabilities Capabilities => inner.Capabilities;

        public Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken) => inner.CheckNewVolumeAsync(sizeBytes, cancellationToken);

        public Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken) =>
            volumeName.StartsWith("fail-", StringComparison.Ordinal)
                ? throw new IOException($"array session (password {password}) rejected the create of {volumeName}")
                : inner.CreateVolumeAsync(volumeName, sizeBytes, cancellationToken);

        public Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken) => inner.DeleteVolumeAsync(volume, cancellationToken);
        public Task<DriverObject?> FindVolumeAsync(string volumeName, CancellationToken cancellationToken) => inner.FindVolumeAsync(volumeName, cancellationToken);

        public Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken) => inner.ListVolumesAsync(cancellationToken);
        public Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken) => inner.CreateSnapshotAsync(volume, snapshotKey, cancellationToken);
        public Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken) => inner.FindSnapshotAsync(volume, snapshotKey, cancellationToken);
        public Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken) => inner.DeleteSnapshotAsync(snapshot, cancellationToken);
        public Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken) => inner.RevertVolumeAsync(volume, snapshot, cancellationToken);
        public Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken) => inner.CloneVolumeAsync(snapshot, newVolumeName, cancellationToken);
        public Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken) => inner.OpenSnapshotReaderAsync(snapshot, cancellationToken);
        public Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken) => inner.GetChangedRangesAsync(older, newer, cancellationToken);
        public Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken) => inner.OpenVolumeWriterAsync(volume, cancellationToken);
        public Task<int> DeleteLeftoversAsync(string volumeName, IReadOnlyCollection<string> snapshotKeys, CancellationToken cancellationToken) => inner.DeleteLeftoversAsync(volumeName, snapshotKeys, cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
