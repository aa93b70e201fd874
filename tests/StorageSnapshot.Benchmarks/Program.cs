// PLACEHOLDER: benchmarks land with the inventory and secondary-copy work.
Console.WriteLine("no benchmarks yet");
