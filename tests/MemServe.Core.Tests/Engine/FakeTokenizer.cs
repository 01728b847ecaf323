using MemServe.Tokenization;

namespace MemServe.Core.Tests.Engine;

/// <summary>
/// One character per token: id 0 is BOS "&lt;s&gt;", id 1 is EOS "&lt;/s&gt;" (both special), ids 2..63 are
/// a–z, A–Z, 0–9; ids up to <see cref="VocabSize"/> beyond those decode as "[id]". <see cref="PoisonTokenId"/> makes the detokenizer throw, to test per-request failures.
/// </summary>
internal sealed class FakeTokenizer : ITokenizer
{
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    public const int Bos = 0;
    public const int Eos = 1;

    public int VocabSize { get; init; } = Alphabet.Length + 2;

    public int? BosTokenId => Bos;

    public int? EosTokenId => Eos;

    public int? PoisonTokenId { get; init; }

    public static int Id(char c) => Alphabet.IndexOf(c, StringComparison.Ordinal) + 2;

    public static int[] Ids(string text)
    {
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = Id(text[i]);
        return ids;
    }

    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        int[] ids = Ids(text);
        return addSpecialTokens ? [Bos, .. ids] : ids;
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var text = new System.Text.StringBuilder();
        foreach (int id in ids) text.Append(Text(id, skipSpecialTokens));
        return text.ToString();
    }

    public bool IsSpecial(int id) => id is Bos or Eos;

    public IIncrementalDetokenizer CreateDetokenizer(bool skipSpecialTokens = true) => new Detokenizer(this, skipSpecialTokens);

    private string Text(int id, bool skipSpecial) => id switch
    {
        Bos => skipSpecial ? "" : "<s>",
        Eos => skipSpecial ? "" : "</s>",
        _ when id - 2 < Alphabet.Length => Alphabet[id - 2].ToString(),
        _ => $"[{id}]",
    };

    private sealed class Detokenizer(FakeTokenizer owner, bool skipSpecial) : IIncrementalDetokenizer
    {
        public string Append(int tokenId)
        {
            if (tokenId == owner.PoisonTokenId) throw new FormatException($"poison token {tokenId}");
            return owner.Text(tokenId, skipSpecial);
        }

        public string Flush() => "";
    }
}
