using System.Runtime.InteropServices;
using LLama.Native;

namespace MemServe.Anchor;

/// <summary>
/// LLamaSharp's native library: which variant to load (<c>--llama-avx</c>) and what got loaded — the variant
/// folder (avx512/avx2/avx/noavx) and llama.cpp's own <c>llama_print_system_info</c> line. Configure before
/// anything else touches LLamaSharp: the native library loads once per process.
/// </summary>
internal static class LlamaSharpEngine
{
    private static bool _verbose;

    /// <summary>Chooses the native variant (null: LLamaSharp's choice, the best the CPU supports) and routes
    /// llama.cpp's log to stderr when <paramref name="verbose"/> (errors always).</summary>
    public static void Configure(string? avx, bool verbose)
    {
        _verbose = verbose;
        NativeLibraryConfig.All.WithLogCallback(static (level, message) =>
        {
            if (_verbose || level == LLamaLogLevel.Error) Console.Error.Write(message);
        });
        if (avx is null) return;
        AvxLevel level = avx.ToLowerInvariant() switch
        {
            "avx512" => AvxLevel.Avx512,
            "avx2" => AvxLevel.Avx2,
            "avx" => AvxLevel.Avx,
            "noavx" or "none" => AvxLevel.None,
            _ => throw new ArgumentException($"--llama-avx must be avx512, avx2, avx or noavx, got '{avx}'"),
        };
        NativeLibraryConfig.All.WithCuda(false).WithVulkan(false).WithAvx(level); // the loaded variant is reported (Isa), fallback included
    }

    /// <summary>The loaded variant's folder name (loads the library if needed).</summary>
    public static string Isa()
    {
        _ = NativeApi.llama_print_system_info(); // the first native call loads the library
        AvxLevel? level = NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata?.AvxLevel;
        return level switch
        {
            AvxLevel.Avx512 => "avx512",
            AvxLevel.Avx2 => "avx2",
            AvxLevel.Avx => "avx",
            AvxLevel.None => "noavx",
            _ => "unknown",
        };
    }

    /// <summary>llama.cpp's <c>llama_print_system_info()</c>: the CPU features its build uses.</summary>
    public static string SystemInfo()
    {
        return (Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? "").Trim().TrimEnd('|').Trim();
    }
}
