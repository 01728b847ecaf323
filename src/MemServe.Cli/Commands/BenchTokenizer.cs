using MemServe.Tokenization;

namespace MemServe.Cli.Commands;

/// <summary>A tokenizer for random-weight benchmark shapes: every id is a token that decodes to nothing.
/// The engine needs one to stream text; the benchmark only counts tokens.</summary>
internal sealed class BenchTokenizer(int vocabSize) : ITokenizer, IIncrementalDetokenizer
{
    public int VocabSize { get; } = vocabSize;
    public int? BosTokenId => null;
    public int? EosTokenId => null;
    public int[] Encode(string text, bool addSpecialTokens = false) => throw new NotSupportedException("benchmark shapes take token ids");
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) => string.Empty;
    public bool IsSpecial(int id) => false;
    public IIncrementalDetokenizer CreateDetokenizer(bool skipSpecialTokens = true) => this;
    public string Append(int tokenId) => string.Empty;
    public string Flush() => string.Empty;
}
