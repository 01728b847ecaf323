using MemServe.Anchor.Gguf;

namespace MemServe.Anchor;

/// <summary>The <c>--dtype</c> of a run: the ggml type of every matrix in the GGUF (norms stay F32, as
/// llama.cpp's converter writes them) and the same name passed to <c>memserve bench --dtype</c>.</summary>
internal sealed record WeightFormat(string Name, GgmlType MatrixType, uint FileType)
{
    public static IReadOnlyList<string> Names { get; } = ["f32", "f16", "bf16", "q8"];

    /// <summary>Parses f32|f16|bf16|q8 (q8 is Q8_0); <c>general.file_type</c> uses llama.cpp's LLAMA_FTYPE ids.</summary>
    public static WeightFormat Parse(string text) => text.ToLowerInvariant() switch
    {
        "f32" => new("f32", GgmlType.F32, 0),
        "f16" => new("f16", GgmlType.F16, 1),
        "bf16" => new("bf16", GgmlType.BF16, 32),
        "q8" or "q8_0" => new("q8", GgmlType.Q8_0, 7),
        _ => throw new ArgumentException($"--dtype must be f32, f16, bf16 or q8, got '{text}'"),
    };
}
