// Every test drives real runspaces of one process, and the module reads its inventory folder from the process
// environment ($env:STORAGESNAPSHOT_HOME) on each command: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
