using System.Text.Json;
using MemServe.Tokenization;

namespace MemServe.Core.Tests.Tokenization;

/// <summary>The real tokenizers under shared/testdata/tokenizers, each loaded once per test run.</summary>
internal static class TokenizerFixtures
{
    public const string Qwen3 = "qwen3";
    public const string SentencePiece = "sentencepiece-32k";

    private static readonly Lazy<Tokenizer> QwenTokenizer = new(() => Tokenizer.Load(Dir(Qwen3)));
    private static readonly Lazy<Tokenizer> SpTokenizer = new(() => Tokenizer.Load(Dir(SentencePiece)));

    public static string Dir(string name) => Path.Combine(TestData.Tokenizers, name);

    public static Tokenizer Get(string name) => name == Qwen3 ? QwenTokenizer.Value : SpTokenizer.Value;

    /// <summary>One case of an expected.json file, as Hugging Face's tokenizers produced it.</summary>
    public sealed record ExpectedCase(string Text, int[] Ids, int[] IdsWithSpecialTokens, string[] Tokens, string Decoded);

    public static IReadOnlyList<ExpectedCase> Cases(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir(name), "expected.json")));
        var cases = new List<ExpectedCase>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            cases.Add(new ExpectedCase(
                c.GetProperty("text").GetString()!,
                Ints(c.GetProperty("ids")),
                Ints(c.GetProperty("ids_with_special_tokens")),
                [.. c.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!)],
                c.GetProperty("decoded").GetString()!));
        }
        return cases;
    }

    /// <summary>xunit rows (tokenizer name, case index) for every case of both tokenizers.</summary>
    public static TheoryData<string, int> AllCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in (string[])[Qwen3, SentencePiece])
        {
            int count = Cases(name).Count;
            for (int i = 0; i < count; i++)
                data.Add(name, i);
        }
        return data;
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
