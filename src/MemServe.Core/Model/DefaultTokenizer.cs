using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// The default model's tokenizer, built once on first use: a byte-level BPE whose merges are learned by
/// <see cref="BpeTrainer"/> from <see cref="DefaultCorpus"/>, written as Hugging Face tokenizer.json and
/// tokenizer_config.json text with the structure of Llama 3 / Qwen tokenizers. Special tokens follow the
/// learned vocabulary: <c>&lt;|begin_of_text|&gt;</c>, <c>&lt;|end_of_text|&gt;</c>, <c>&lt;|im_start|&gt;</c>,
/// <c>&lt;|im_end|&gt;</c>. Immutable; thread-safe.
/// </summary>
internal sealed class DefaultTokenizer
{
    /// <summary>
    /// Upper bound on learned merges. Training continues down to pairs seen once (the corpus is small),
    /// which yields ≈1,970 merges and a vocabulary of ≈2,230 tokens plus the four special tokens.
    /// </summary>
    public const int MaxMerges = 2000;

    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfText = "<|end_of_text|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>ChatML, as Qwen uses it; the prompt ends with the assistant header when asked to.</summary>
    public const string ChatTemplate =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static readonly Lazy<DefaultTokenizer> s_instance = new(() => new DefaultTokenizer(BpeTrainer.Train(DefaultCorpus.Text, MaxMerges, minPairCount: 1)));
    private static readonly JsonWriterOptions s_options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private DefaultTokenizer(BpeModel model)
    {
        Model = model;
        BeginOfTextId = model.Vocab.Count;
        EndOfTextId = model.Vocab.Count + 1;
        ImStartId = model.Vocab.Count + 2;
        ImEndId = model.Vocab.Count + 3;
        VocabSize = model.Vocab.Count + 4;
        TokenizerJson = BuildTokenizerJson();
        TokenizerConfigJson = BuildTokenizerConfigJson();
    }

    public static DefaultTokenizer Instance => s_instance.Value;

    public BpeModel Model { get; }
    public int VocabSize { get; }
    public int BeginOfTextId { get; }
    public int EndOfTextId { get; }
    public int ImStartId { get; }
    public int ImEndId { get; }
    public string TokenizerJson { get; }
    public string TokenizerConfigJson { get; }

    private (int Id, string Content)[] SpecialTokens =>
        [(BeginOfTextId, BeginOfText), (EndOfTextId, EndOfText), (ImStartId, ImStart), (ImEndId, ImEnd)];

    private string BuildTokenizerJson() => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var (id, content) in SpecialTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            WriteAddedTokenFields(w, content);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("normalizer");
        WritePreTokenizer(w);
        WritePostProcessor(w);
        w.WriteStartObject("decoder");
        WriteByteLevelFields(w, "ByteLevel", addPrefixSpace: true, useRegex: true);
        w.WriteEndObject();
        WriteModel(w);
        w.WriteEndObject();
    });

    private static void WritePreTokenizer(Utf8JsonWriter w)
    {
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", BpeTrainer.SplitPattern);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        w.WriteStartObject();
        WriteByteLevelFields(w, "ByteLevel", addPrefixSpace: false, useRegex: false);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WritePostProcessor(Utf8JsonWriter w)
    {
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteTemplatePiece(w, "SpecialToken", BeginOfText, 0);
        WriteTemplatePiece(w, "Sequence", "A", 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteTemplatePiece(w, "SpecialToken", BeginOfText, 0);
        WriteTemplatePiece(w, "Sequence", "A", 0);
        WriteTemplatePiece(w, "SpecialToken", BeginOfText, 1);
        WriteTemplatePiece(w, "Sequence", "B", 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        w.WriteStartObject(BeginOfText);
        w.WriteString("id", BeginOfText);
        w.WriteStartArray("ids");
        w.WriteNumberValue(BeginOfTextId);
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        w.WriteStringValue(BeginOfText);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteModel(Utf8JsonWriter w)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (int id = 0; id < Model.Vocab.Count; id++) w.WriteNumber(Model.Vocab[id], id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in Model.Merges) w.WriteStringValue(left + " " + right);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private string BuildTokenizerConfigJson() => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("added_tokens_decoder");
        foreach (var (id, content) in SpecialTokens)
        {
            w.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteAddedTokenFields(w, content);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteString("bos_token", BeginOfText);
        w.WriteString("eos_token", EndOfText);
        w.WriteNull("pad_token");
        w.WriteString("chat_template", ChatTemplate);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteNumber("model_max_length", DefaultModel.MaxPositionEmbeddings);
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        w.WriteEndObject();
    });

    private static void WriteAddedTokenFields(Utf8JsonWriter w, string content)
    {
        w.WriteString("content", content);
        w.WriteBoolean("single_word", false);
        w.WriteBoolean("lstrip", false);
        w.WriteBoolean("rstrip", false);
        w.WriteBoolean("normalized", false);
        w.WriteBoolean("special", true);
    }

    private static void WriteByteLevelFields(Utf8JsonWriter w, string type, bool addPrefixSpace, bool useRegex)
    {
        w.WriteString("type", type);
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", useRegex);
    }

    private static void WriteTemplatePiece(Utf8JsonWriter w, string kind, string id, int typeId)
    {
        w.WriteStartObject();
        w.WriteStartObject(kind);
        w.WriteString("id", id);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, s_options)) body(w);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
