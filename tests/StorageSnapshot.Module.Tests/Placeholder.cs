namespace StorageSnapshot.Module.Tests;
// PLACEHOLDER: metadata tests land with the module work.
