using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class SafetensorsValidationTests
{
    private const string Good = "\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}";

    private static CheckpointFormatException OpenBroken(TempDirectory dir) =>
        Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(dir.Path).Dispose());

    [Fact]
    public void Well_formed_file_opens()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{" + Good + "}", 16);

        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);

        Assert.True(checkpoint.TryGetTensor("w", out TensorRef w));
        Assert.Equal(16, w.ByteLength);
        Assert.Equal(4, w.Bytes[4]);
    }

    [Fact]
    public void Directory_without_a_checkpoint_is_named()
    {
        using var dir = new TempDirectory();

        var ex = OpenBroken(dir);

        Assert.Contains(dir.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_shorter_than_8_bytes_is_named()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("model.safetensors"), [1, 2, 3]);

        var ex = OpenBroken(dir);

        Assert.Contains(dir.File("model.safetensors"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_past_the_end_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{" + Good + "}", 16, declaredHeaderLength: 5000);

        var ex = OpenBroken(dir);

        Assert.Contains(dir.File("model.safetensors"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("past the end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_header_length_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{}", 0, declaredHeaderLength: 1UL << 40);

        var ex = OpenBroken(dir);

        Assert.Contains("absurd", ex.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("model.safetensors"), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"w\": {\"dtype\": ")]
    [InlineData("not json")]
    public void Header_that_is_not_json_is_rejected(string header)
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", header, 0);

        var ex = OpenBroken(dir);

        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("model.safetensors"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_that_is_not_an_object_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "[1, 2]", 0);

        var ex = OpenBroken(dir);

        Assert.Contains("object", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"shape\": [4], \"data_offsets\": [0, 16]}", "dtype")]
    [InlineData("{\"dtype\": \"F32\", \"data_offsets\": [0, 16]}", "shape")]
    [InlineData("{\"dtype\": \"F32\", \"shape\": [4]}", "data_offsets")]
    [InlineData("{\"dtype\": \"I8\", \"shape\": [16], \"data_offsets\": [0, 16]}", "'I8' is not supported (supported: F32, F16, BF16)")]
    [InlineData("{\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]}", "'F64'")]
    [InlineData("{\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}", "negative")]
    [InlineData("{\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 32]}", "past the end")]
    [InlineData("{\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [16, 8]}", "before begin")]
    [InlineData("{\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [-1, 15]}", "data_offsets")]
    [InlineData("{\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}", "does not match shape")]
    [InlineData("{\"dtype\": \"BF16\", \"shape\": [4], \"data_offsets\": [0, 16]}", "does not match shape")]
    [InlineData("[1, 2]", "object")]
    public void Bad_tensor_entry_names_the_file_and_tensor(string entry, string expected)
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{\"bad.weight\": " + entry + "}", 16);

        var ex = OpenBroken(dir);

        Assert.Contains(dir.File("model.safetensors"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("'bad.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected_naming_both()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
            + " \"b\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [12, 20]}}", 20);

        var ex = OpenBroken(dir);

        Assert.Contains("overlap", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gaps_between_tensors_and_metadata_are_allowed()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors",
            "{\"__metadata__\": {\"format\": \"pt\"},"
            + " \"b\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [24, 28]},"
            + " \"a\": {\"dtype\": \"BF16\", \"shape\": [1, 2], \"data_offsets\": [4, 8]}}", 32);

        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);

        Assert.Equal(["a", "b"], checkpoint.TensorNames.Order());
        Assert.True(checkpoint.TryGetTensor("b", out TensorRef b));
        Assert.Equal(new byte[] { 24, 25, 26, 27 }, b.Bytes.ToArray());
        Assert.Equal(8, checkpoint.TotalBytes);
        Assert.Equal("pt", checkpoint.Files[0].Metadata["format"]);
    }

    [Fact]
    public void Duplicate_tensor_in_one_header_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{" + Good + ", " + Good.Replace("0, 16", "16, 32", StringComparison.Ordinal) + "}", 32);

        var ex = OpenBroken(dir);

        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_that_is_not_strings_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteRawSafetensors("model.safetensors", "{\"__metadata__\": {\"format\": 3}, " + Good + "}", 16);

        var ex = OpenBroken(dir);

        Assert.Contains("'format'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("model.safetensors"), ex.Message, StringComparison.Ordinal);
    }
}
