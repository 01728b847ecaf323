using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class SafetensorsShardValidationTests
{
    private static string Entry(string name, int begin) =>
        $"\"{name}\": {{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [{begin}, {begin + 8}]}}";

    private static string Index(params (string Tensor, string Shard)[] map)
    {
        var parts = new List<string>();
        foreach (var (tensor, shard) in map) parts.Add($"\"{tensor}\": \"{shard}\"");
        return "{\"metadata\": {\"total_size\": 16}, \"weight_map\": {" + string.Join(", ", parts) + "}}";
    }

    [Fact]
    public void Index_naming_a_missing_shard_names_it()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{" + Entry("a", 0) + "}", 8);
        dir.WriteText("model.safetensors.index.json", Index(("a", "s1.safetensors"), ("b", "s2.safetensors")));

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path));

        Assert.Contains("s2.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_listed_but_absent_from_its_shard_is_named()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{" + Entry("a", 0) + "}", 8);
        dir.WriteRawSafetensors("s2.safetensors", "{" + Entry("b", 0) + "}", 8);
        dir.WriteText("model.safetensors.index.json", Index(("a", "s1.safetensors"), ("b", "s2.safetensors"), ("c", "s2.safetensors")));

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path));

        Assert.Contains("'c'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("s2.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_in_two_shards_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{" + Entry("a", 0) + ", " + Entry("b", 8) + "}", 16);
        dir.WriteRawSafetensors("s2.safetensors", "{" + Entry("b", 0) + "}", 8);
        dir.WriteText("model.safetensors.index.json", Index(("a", "s1.safetensors"), ("b", "s2.safetensors")));

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path));

        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("two shards", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_shard_is_named()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{" + Entry("a", 0) + "}", 8);
        dir.WriteRawSafetensors("s2.safetensors", "{" + Entry("b", 0) + "}", 4);
        dir.WriteText("model.safetensors.index.json", Index(("a", "s1.safetensors"), ("b", "s2.safetensors")));

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path));

        Assert.Contains(dir.File("s2.safetensors"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"weight_map\": ")]
    [InlineData("{\"metadata\": {}}")]
    [InlineData("{\"weight_map\": {\"a\": 3}}")]
    [InlineData("{\"weight_map\": {}}")]
    [InlineData("{\"weight_map\": {\"a\": \"../s1.safetensors\"}}")]
    public void Malformed_index_is_named(string index)
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{" + Entry("a", 0) + "}", 8);
        dir.WriteText("model.safetensors.index.json", index);

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path));

        Assert.Contains("model.safetensors.index.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hand_written_shards_open_together()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("s1.safetensors", "{" + Entry("a", 0) + "}", 8);
        dir.WriteRawSafetensors("s2.safetensors", "{" + Entry("b", 0) + "}", 8);
        dir.WriteText("model.safetensors.index.json", Index(("a", "s1.safetensors"), ("b", "s2.safetensors")));

        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);

        Assert.Equal(2, checkpoint.Files.Count);
        Assert.True(checkpoint.TryGetTensor("b", out TensorRef b));
        Assert.Equal(16, checkpoint.TotalBytes);
        Assert.Equal([2L], b.Shape);
    }
}
