namespace MemServe.Anchor;

/// <summary>
/// A minimal SentencePiece-style (<c>tokenizer.ggml.model = "llama"</c>) vocabulary of any size ≥ 259, enough for
/// llama.cpp to load a model: <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, the 256 byte tokens
/// <c>&lt;0x00&gt;</c>..<c>&lt;0xFF&gt;</c>, then distinct filler pieces. The benchmark feeds token ids directly,
/// so the pieces never tokenize text.
/// </summary>
internal sealed class SentencePieceVocab
{
    public const int Unknown = 0, Bos = 1, Eos = 2;

    // llama.cpp's token attribute ids (LLAMA_TOKEN_TYPE_*).
    private const int Normal = 1, UnknownType = 2, Control = 3, Byte = 6;
    private const int SpecialAndBytes = 3 + 256;

    public string[] Tokens { get; }
    public float[] Scores { get; }
    public int[] TokenTypes { get; }

    public SentencePieceVocab(int size)
    {
        if (size < SpecialAndBytes) throw new ArgumentOutOfRangeException(nameof(size), size, $"a SentencePiece vocab needs at least {SpecialAndBytes} tokens");
        Tokens = new string[size];
        Scores = new float[size];
        TokenTypes = new int[size];
        (Tokens[Unknown], TokenTypes[Unknown]) = ("<unk>", UnknownType);
        (Tokens[Bos], TokenTypes[Bos]) = ("<s>", Control);
        (Tokens[Eos], TokenTypes[Eos]) = ("</s>", Control);
        for (int b = 0; b < 256; b++) (Tokens[3 + b], TokenTypes[3 + b]) = ($"<0x{b:X2}>", Byte);
        for (int i = SpecialAndBytes; i < size; i++)
        {
            Tokens[i] = "\u2581t" + (i - SpecialAndBytes).ToString(System.Globalization.CultureInfo.InvariantCulture);
            TokenTypes[i] = Normal;
            Scores[i] = -(i - SpecialAndBytes);
        }
    }
}
