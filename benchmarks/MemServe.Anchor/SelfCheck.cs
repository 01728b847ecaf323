using System.Buffers.Binary;
using MemServe.Anchor.Gguf;
using MemServe.Model;

namespace MemServe.Anchor;

/// <summary>
/// <c>--self-check</c>: the encoders round-trip known values; a tiny model is written in every dtype and its header
/// read back with <see cref="GgufReader"/> (version, counts, metadata, every tensor offset aligned and where the
/// writer meant it, file length); then llama.cpp (through LLamaSharp) loads each file and decodes a few tokens.
/// </summary>
internal static class SelfCheck
{
    public static int Run(TextWriter output)
    {
        CheckEncoders();
        output.WriteLine("encoders: F32/F16/BF16/Q8_0 round-trip ok");
        string dir = Directory.CreateTempSubdirectory("memserve-anchor-check-").FullName;
        try
        {
            // tiny's FFN (200) is not a multiple of Q8_0's 32-value block; the q8 file uses 256.
            ModelConfig tiny = ModelShapes.Get("tiny");
            foreach (string dtype in WeightFormat.Names)
            {
                ModelConfig config = dtype == "q8" ? tiny with { IntermediateSize = 256 } : tiny;
                WeightFormat format = WeightFormat.Parse(dtype);
                string path = Path.Combine(dir, $"tiny-{dtype}.gguf");
                GgufWriter writer = LlamaGgufModel.Build(config, format, "tiny");
                writer.WriteTo(path);
                CheckHeader(GgufReader.Read(path), config, format, writer.DataBytes);
                var plan = new BenchPlan(Threads: 2, PromptTokens: 16, GenTokens: 4, Batches: [2], BatchPromptTokens: 8, BatchGenTokens: 2, Runs: 1);
                using var bench = new LlamaSharpBench(path, plan, config.VocabSize);
                BenchSample s = bench.RunRound(1);
                if (!(s.PrefillTokS > 0 && s.DecodeTokS > 0 && s.Batched[0].TokS > 0)) throw new InvalidOperationException($"{dtype}: llama.cpp measured nothing");
                output.WriteLine($"tiny {dtype}: header ok ({new FileInfo(path).Length} bytes), llama.cpp loaded it and decoded " +
                    $"(logits finite: {bench.LastLogitsFinite()})");
            }
            output.WriteLine($"LLamaSharp native: {LlamaSharpEngine.Isa()}; {LlamaSharpEngine.SystemInfo()}");
            output.WriteLine("self-check: ok");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void CheckHeader(GgufHeader h, ModelConfig c, WeightFormat format, long dataBytes)
    {
        Expect(h.Version == GgufWriter.Version, "version");
        Expect((string)h.Metadata["general.architecture"] == "llama", "general.architecture");
        Expect((uint)h.Metadata["llama.embedding_length"] == c.HiddenSize, "llama.embedding_length");
        Expect((uint)h.Metadata["llama.block_count"] == c.NumLayers, "llama.block_count");
        Expect((uint)h.Metadata["llama.attention.head_count_kv"] == c.NumKvHeads, "llama.attention.head_count_kv");
        Expect((long)h.Metadata["tokenizer.ggml.tokens"] == c.VocabSize, "tokenizer.ggml.tokens length");
        Expect((uint)h.Metadata["general.file_type"] == format.FileType, "general.file_type");
        Expect(h.Tensors.Count == 1 + 9 * c.NumLayers + 1 + (c.TieWordEmbeddings ? 0 : 1), "tensor count");
        Expect(h.DataStart % GgufWriter.Alignment == 0, "data section alignment");
        long expected = 0;
        foreach (var (name, type, dims, offset) in h.Tensors)
        {
            Expect(offset % GgufWriter.Alignment == 0, $"{name}: offset alignment");
            Expect(offset == expected, $"{name}: offset {offset}, expected {expected}");
            long elements = dims.Aggregate(1L, (a, d) => a * d);
            Expect(type == (dims.Length == 1 ? GgmlType.F32 : format.MatrixType), $"{name}: type {type}");
            expected = GgufWriter.Align(offset + GgmlTypeInfo.ByteCount(type, elements));
        }
        Expect(h.Tensors[0].Name == "token_embd.weight" && h.Tensors[0].Dims.SequenceEqual([(long)c.HiddenSize, c.VocabSize]), "token_embd dims (innermost first)");
        Expect(expected == dataBytes, "data section size");
        Expect(h.FileBytes == h.DataStart + dataBytes, $"file length {h.FileBytes}, expected {h.DataStart + dataBytes}");
    }

    private static void CheckEncoders()
    {
        float[] values = new float[64];
        for (int i = 0; i < values.Length; i++) values[i] = (i - 31) * 0.01f;
        foreach (GgmlType type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0 })
        {
            byte[] bytes = new byte[GgmlTypeInfo.ByteCount(type, values.Length)];
            TensorEncoder.Encode(type, values, bytes);
            for (int i = 0; i < values.Length; i++)
            {
                float back = type switch
                {
                    GgmlType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)),
                    GgmlType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)),
                    GgmlType.BF16 => TensorEncoder.FromBF16(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2))),
                    _ => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i / 32 * 34)) * (sbyte)bytes[i / 32 * 34 + 2 + i % 32],
                };
                float tolerance = type switch { GgmlType.F32 => 0, GgmlType.F16 => 1e-3f * MathF.Abs(values[i]), GgmlType.BF16 => 8e-3f * MathF.Abs(values[i]), _ => 0.32f / 127 / 2 * 1.01f };
                Expect(MathF.Abs(back - values[i]) <= tolerance, $"{type} element {i}: {back} vs {values[i]}");
            }
        }
        Expect(TensorEncoder.ToBF16(1f) == 0x3F80 && TensorEncoder.ToBF16(-2f) == 0xC000, "BF16 of 1 and -2");
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new InvalidDataException("self-check failed: " + what);
    }
}
