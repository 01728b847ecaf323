using System.Buffers.Binary;
using System.Text.Json;
using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class SafetensorsRoundTripTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)(i * 31 + seed);
        return bytes;
    }

    private static List<(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data)> OddTensors() =>
    [
        ("f32.odd", DType.F32, [3, 5], Pattern(60, 1)),
        ("f16.vector", DType.F16, [7], Pattern(14, 2)),
        ("bf16.cube", DType.BF16, [1, 3, 3], Pattern(18, 3)),
        ("scalar", DType.F32, [], Pattern(4, 4)),
        ("empty", DType.BF16, [2, 0, 3], Array.Empty<byte>()),
    ];

    [Fact]
    public void Single_file_round_trip_preserves_dtype_shape_and_bytes()
    {
        using var dir = new TempDirectory();
        var tensors = OddTensors();

        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);

        Assert.Equal(tensors.Count, checkpoint.TensorNames.Count());
        foreach (var (name, dtype, shape, data) in tensors)
        {
            Assert.True(checkpoint.TryGetTensor(name, out TensorRef tensor), name);
            Assert.Equal(dtype, tensor.DType);
            Assert.Equal(shape, tensor.Shape);
            Assert.Equal(data.ToArray(), tensor.Bytes.ToArray());
        }
        Assert.Equal(60 + 14 + 18 + 4, checkpoint.TotalBytes);
        Assert.Equal("pt", checkpoint.Files[0].Metadata["format"]);
    }

    [Fact]
    public void Header_is_padded_to_8_bytes_and_offsets_are_relative_to_the_data()
    {
        using var dir = new TempDirectory();
        string path = dir.File("x.safetensors");

        SafetensorsWriter.Write(path, [("t", DType.F16, new long[] { 3 }, Pattern(6, 0))]);

        byte[] file = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 6, file.Length);
        using JsonDocument header = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        JsonElement offsets = header.RootElement.GetProperty("t").GetProperty("data_offsets");
        Assert.Equal(0, offsets[0].GetInt64());
        Assert.Equal(6, offsets[1].GetInt64());
    }

    [Fact]
    public void Source_overload_writes_tensors_sorted_by_name()
    {
        using var dir = new TempDirectory();
        using var source = new InMemoryTensorSource();
        Pattern(8, 1).CopyTo(source.Add("zeta", DType.BF16, 4));
        Pattern(12, 2).CopyTo(source.Add("alpha", DType.F32, 3));
        Pattern(2, 3).CopyTo(source.Add("mid", DType.F16, 1));

        SafetensorsWriter.Write(dir.File("model.safetensors"), source);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);

        checkpoint.TryGetTensor("alpha", out TensorRef alpha);
        checkpoint.TryGetTensor("mid", out TensorRef mid);
        checkpoint.TryGetTensor("zeta", out TensorRef zeta);
        Assert.True(alpha.Pointer < mid.Pointer && mid.Pointer < zeta.Pointer);
        Assert.Equal(Pattern(8, 1), zeta.Bytes.ToArray());
    }

    [Fact]
    public void Sharded_round_trip_splits_by_size_and_reads_back_every_tensor()
    {
        using var dir = new TempDirectory();
        using var source = new InMemoryTensorSource();
        for (int i = 0; i < 5; i++) Pattern(40, i).CopyTo(source.Add($"layer.{i}.weight", DType.F32, 2, 5));
        Pattern(200, 9).CopyTo(source.Add("big", DType.BF16, 10, 10));

        IReadOnlyList<string> shards = SafetensorsWriter.WriteSharded(dir.Path, source, maxShardBytes: 100);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);

        // Name order: big (200, alone), layer.0+1 (80), layer.2+3 (80), layer.4 (40).
        Assert.Equal(4, shards.Count);
        Assert.Equal("model-00001-of-00004.safetensors", shards[0]);
        Assert.Equal(4, checkpoint.Files.Count);
        Assert.Equal(source.TotalBytes, checkpoint.TotalBytes);
        foreach (string name in source.TensorNames)
        {
            source.TryGetTensor(name, out TensorRef expected);
            Assert.True(checkpoint.TryGetTensor(name, out TensorRef actual), name);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.DType, actual.DType);
            Assert.Equal(expected.Bytes.ToArray(), actual.Bytes.ToArray());
        }
    }

    [Fact]
    public void Sharded_index_lists_every_tensor_and_the_total_size()
    {
        using var dir = new TempDirectory();
        using var source = new InMemoryTensorSource();
        source.Add("a", DType.F32, 4);
        source.Add("b", DType.F16, 4);

        SafetensorsWriter.WriteSharded(dir.Path, source, maxShardBytes: 16);

        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")));
        Assert.Equal(24, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        JsonElement map = index.RootElement.GetProperty("weight_map");
        Assert.Equal("model-00001-of-00002.safetensors", map.GetProperty("a").GetString());
        Assert.Equal("model-00002-of-00002.safetensors", map.GetProperty("b").GetString());
    }

    [Fact]
    public void Writer_rejects_data_that_disagrees_with_the_shape()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(dir.File("x.safetensors"), [("wrong", DType.F32, new long[] { 2, 2 }, Pattern(12, 0))]));

        Assert.Contains("'wrong'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_rejects_duplicate_names()
    {
        using var dir = new TempDirectory();
        (string, DType, long[], ReadOnlyMemory<byte>) t = ("dup", DType.F16, [1], Pattern(2, 0));

        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(dir.File("x.safetensors"), [t, t]));
    }
}
