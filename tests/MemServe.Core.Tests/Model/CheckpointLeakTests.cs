using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Model;

/// <summary>Tests that read the process-wide <see cref="NativeMemoryTracker"/> must not run beside others.</summary>
[CollectionDefinition(nameof(NativeMemoryTrackerCollection), DisableParallelization = true)]
public sealed class NativeMemoryTrackerCollection;

[Collection(nameof(NativeMemoryTrackerCollection))]
public class CheckpointLeakTests
{
    [Fact]
    public void Open_checkpoint_counts_its_maps_and_dispose_returns_them()
    {
        using var dir = new TempDirectory();
        using (var source = new InMemoryTensorSource())
        {
            source.Add("a", DType.F32, 100);
            source.Add("b", DType.BF16, 300);
            SafetensorsWriter.WriteSharded(dir.Path, source, maxShardBytes: 400);
        }
        long before = NativeMemoryTracker.LiveBytes;

        var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        long mapped = 0;
        foreach (SafetensorsFile file in checkpoint.Files) mapped += file.FileLength;
        Assert.Equal(before + mapped, NativeMemoryTracker.LiveBytes);
        checkpoint.Dispose();

        Assert.Equal(before, NativeMemoryTracker.LiveBytes);
    }

    [Fact]
    public void Failed_open_leaves_nothing_mapped()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4);
        dir.WriteRawSafetensors("s2.safetensors", "{\"b\": {\"dtype\": \"F32\", \"shape\": [9], \"data_offsets\": [0, 4]}}", 4);
        dir.WriteText("model.safetensors.index.json", "{\"weight_map\": {\"a\": \"s1.safetensors\", \"b\": \"s2.safetensors\"}}");
        long before = NativeMemoryTracker.LiveBytes;

        Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path));

        Assert.Equal(before, NativeMemoryTracker.LiveBytes);
    }

    [Fact]
    public void Disposed_checkpoint_refuses_lookups()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4);
        var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        checkpoint.Dispose();

        Assert.Throws<ObjectDisposedException>(() => checkpoint.TryGetTensor("a", out _));
    }
}
