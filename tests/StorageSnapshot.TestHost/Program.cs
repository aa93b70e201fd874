// Entry point of the test child process. The first argument picks the area whose scenarios run;
// each area lives in its own file so the orchestration and secondary-storage tests evolve separately.
using StorageSnapshot.TestHost;
using StorageSnapshot.TestHost.Faults;

return args.Length == 0
    ? Usage()
    : args[0] switch
    {
        "orchestration" => await OrchestrationScenarios.RunAsync(args[1..]),
        "secondary" => await SecondaryScenarios.RunAsync(args[1..]),
        "local-driver" => await LocalDriverScenarios.RunAsync(args[1..]),
        "faults" => await FaultScenarios.RunAsync(args[1..]),
        "s3" => await S3Scenarios.RunAsync(args[1..]),
        _ => Usage(),
    };

static int Usage()
{
    Console.Error.WriteLine("usage: StorageSnapshot.TestHost <orchestration|secondary|local-driver|faults|s3> <scenario> [arguments]");
    return 64;
}
