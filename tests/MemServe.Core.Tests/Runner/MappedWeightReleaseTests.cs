using MemServe.Core.Tests.Model;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>A runner that packs (or quantizes) the matrices of a memory-mapped checkpoint drops its pages of the
/// originals once copied, so the copy replaces them in memory; the file still reads back unchanged.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class MappedWeightReleaseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Copying_the_matrices_drops_the_mapped_pages_and_the_file_still_reads_back(bool q8)
    {
        if (!OperatingSystem.IsLinux()) return; // resident pages are read from /proc/self/smaps
        using var dir = new TempDirectory();
        using InMemoryTensorSource original = DefaultModel.CreateWeights();
        string file = Path.Combine(dir.Path, SafetensorsCheckpoint.SingleFileName);
        SafetensorsWriter.Write(file, original);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        Assert.True(AllTensorsEqual(original, checkpoint)); // also faults every page in
        long before = ResidentKilobytes(file);

        float[] fromFile, fromMemory;
        var options = new CpuRunnerOptions { Threads = 2, QuantizeWeightsToQ8 = q8 };
        using (var runner = new RunnerHarness(DefaultModel.Config, checkpoint, options))
        {
            long after = ResidentKilobytes(file);
            Assert.True(after < before / 4, $"{after} KiB of the mapped checkpoint resident after packing, {before} KiB before");
            fromFile = runner.Step(0, [1, 2, 3, 4, 5]);
        }
        using (var runner = new RunnerHarness(DefaultModel.Config, original, options)) fromMemory = runner.Step(0, [1, 2, 3, 4, 5]);

        Assert.Equal(fromMemory, fromFile);
        Assert.True(AllTensorsEqual(original, checkpoint));
    }

    [Fact]
    public void A_zero_copy_runner_leaves_the_mapped_pages_alone()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDirectory();
        using InMemoryTensorSource original = DefaultModel.CreateWeights();
        string file = Path.Combine(dir.Path, SafetensorsCheckpoint.SingleFileName);
        SafetensorsWriter.Write(file, original);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        AllTensorsEqual(original, checkpoint);
        long before = ResidentKilobytes(file);

        using var runner = new RunnerHarness(DefaultModel.Config, checkpoint, new CpuRunnerOptions { Threads = 2, PackWeights = false });

        Assert.True(ResidentKilobytes(file) >= before * 9 / 10, "the runner reads the mapped matrices in place");
    }

    private static bool AllTensorsEqual(ITensorSource expected, ITensorSource actual)
    {
        foreach (string name in expected.TensorNames)
        {
            expected.TryGetTensor(name, out TensorRef e);
            if (!actual.TryGetTensor(name, out TensorRef a) || !a.Bytes.SequenceEqual(e.Bytes)) return false;
        }
        return true;
    }

    /// <summary>Resident KiB of this process's mappings of <paramref name="path"/> (the "Rss:" lines of /proc/self/smaps).</summary>
    private static long ResidentKilobytes(string path)
    {
        string full = Path.GetFullPath(path);
        long total = 0;
        bool inFile = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-'))
            {
                inFile = line.EndsWith(full, StringComparison.Ordinal);
                continue;
            }
            if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line["Rss:".Length..].Trim().Split(' ')[0]);
            }
        }
        return total;
    }
}
