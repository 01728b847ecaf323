using System.Text.Json;
using MemServe.Model;

namespace MemServe.Core.Tests.Model;

public class DefaultTokenizerJsonTests
{
    private static readonly string[] s_specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>"];

    [Fact]
    public void Vocab_and_added_tokens_cover_ids_0_to_N_minus_1_exactly_once()
    {
        using JsonDocument doc = JsonDocument.Parse(DefaultModel.TokenizerJson);
        var seen = new HashSet<int>();

        foreach (JsonProperty token in doc.RootElement.GetProperty("model").GetProperty("vocab").EnumerateObject())
        {
            Assert.True(seen.Add(token.Value.GetInt32()), $"id of '{token.Name}' repeats");
        }
        foreach (JsonElement added in doc.RootElement.GetProperty("added_tokens").EnumerateArray())
        {
            Assert.True(seen.Add(added.GetProperty("id").GetInt32()));
        }

        Assert.Equal(DefaultModel.Config.VocabSize, seen.Count);
        Assert.Equal(seen.Count - 1, seen.Max());
        Assert.Equal(0, seen.Min());
    }

    [Fact]
    public void Every_merge_has_its_parts_and_result_in_the_vocab()
    {
        using JsonDocument doc = JsonDocument.Parse(DefaultModel.TokenizerJson);
        JsonElement model = doc.RootElement.GetProperty("model");
        JsonElement vocab = model.GetProperty("vocab");
        int merges = 0;

        foreach (JsonElement merge in model.GetProperty("merges").EnumerateArray())
        {
            string[] parts = merge.GetString()!.Split(' ');
            Assert.Equal(2, parts.Length);
            Assert.True(vocab.TryGetProperty(parts[0], out _), parts[0]);
            Assert.True(vocab.TryGetProperty(parts[1], out _), parts[1]);
            Assert.True(vocab.TryGetProperty(parts[0] + parts[1], out _), parts[0] + parts[1]);
            merges++;
        }

        Assert.InRange(merges, 1000, DefaultTokenizer.MaxMerges);
    }

    [Fact]
    public void Common_corpus_words_became_single_tokens()
    {
        using JsonDocument doc = JsonDocument.Parse(DefaultModel.TokenizerJson);
        JsonElement vocab = doc.RootElement.GetProperty("model").GetProperty("vocab");

        Assert.True(vocab.TryGetProperty("Ġcache", out _));
        Assert.True(vocab.TryGetProperty("Ġthe", out _));
        Assert.True(vocab.TryGetProperty("Ġmemory", out _));
    }

    [Fact]
    public void Special_tokens_are_added_tokens_marked_special()
    {
        using JsonDocument doc = JsonDocument.Parse(DefaultModel.TokenizerJson);
        var contents = new List<string>();

        foreach (JsonElement added in doc.RootElement.GetProperty("added_tokens").EnumerateArray())
        {
            Assert.True(added.GetProperty("special").GetBoolean());
            contents.Add(added.GetProperty("content").GetString()!);
        }

        Assert.Equal(s_specials, contents);
    }

    [Fact]
    public void Pipeline_has_the_llama3_structure()
    {
        using JsonDocument doc = JsonDocument.Parse(DefaultModel.TokenizerJson);
        JsonElement root = doc.RootElement;

        Assert.Equal(JsonValueKind.Null, root.GetProperty("normalizer").ValueKind);
        JsonElement steps = root.GetProperty("pre_tokenizer").GetProperty("pretokenizers");
        Assert.Equal("Split", steps[0].GetProperty("type").GetString());
        Assert.Equal(BpeTrainer.SplitPattern, steps[0].GetProperty("pattern").GetProperty("Regex").GetString());
        Assert.Equal("Isolated", steps[0].GetProperty("behavior").GetString());
        Assert.Equal("ByteLevel", steps[1].GetProperty("type").GetString());
        Assert.False(steps[1].GetProperty("add_prefix_space").GetBoolean());
        Assert.False(steps[1].GetProperty("use_regex").GetBoolean());
        JsonElement post = root.GetProperty("post_processor");
        Assert.Equal("TemplateProcessing", post.GetProperty("type").GetString());
        Assert.Equal("<|begin_of_text|>", post.GetProperty("single")[0].GetProperty("SpecialToken").GetProperty("id").GetString());
        Assert.Equal("A", post.GetProperty("single")[1].GetProperty("Sequence").GetProperty("id").GetString());
        Assert.Equal(DefaultModel.Config.BosTokenId,
            post.GetProperty("special_tokens").GetProperty("<|begin_of_text|>").GetProperty("ids")[0].GetInt32());
        Assert.Equal("ByteLevel", root.GetProperty("decoder").GetProperty("type").GetString());
        Assert.Equal("BPE", root.GetProperty("model").GetProperty("type").GetString());
    }

    [Fact]
    public void Tokenizer_config_names_bos_eos_and_a_chatml_template()
    {
        using JsonDocument doc = JsonDocument.Parse(DefaultModel.TokenizerConfigJson);
        JsonElement root = doc.RootElement;

        Assert.Equal("<|begin_of_text|>", root.GetProperty("bos_token").GetString());
        Assert.Equal("<|end_of_text|>", root.GetProperty("eos_token").GetString());
        string template = root.GetProperty("chat_template").GetString()!;
        Assert.Contains("<|im_start|>", template, StringComparison.Ordinal);
        Assert.Contains("add_generation_prompt", template, StringComparison.Ordinal);
        string imEndId = DefaultTokenizer.Instance.ImEndId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("<|im_end|>", root.GetProperty("added_tokens_decoder").GetProperty(imEndId).GetProperty("content").GetString());
    }
}
