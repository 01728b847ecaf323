using System.Text;

namespace MemServe.Tokenization;

/// <summary>Unicode normalization forms (placeholder: delegates to the BCL).</summary>
internal static class UnicodeNormalization
{
    /// <summary>Returns <paramref name="text"/> in <paramref name="form"/>.</summary>
    public static string Normalize(string text, NormalizationForm form) => text.Normalize(form);
}
