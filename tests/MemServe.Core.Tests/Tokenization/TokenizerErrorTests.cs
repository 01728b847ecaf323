using MemServe.Tokenization;

namespace MemServe.Core.Tests.Tokenization;

/// <summary>Unsupported or broken tokenizer files fail with messages naming the file and field.</summary>
public class TokenizerErrorTests
{
    private const string Model = """{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}""";

    private static TokenizerFormatException Fails(string json) =>
        Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(json, sourceName: "bad.json"));

    [Fact]
    public void Missing_directory_file_names_the_path()
    {
        string dir = Path.Combine(Path.GetTempPath(), "memserve-no-tokenizer-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<TokenizerFormatException>(() => Tokenizer.Load(dir));
        Assert.Contains(Path.Combine(dir, "tokenizer.json"), ex.Message);
    }

    [Fact]
    public void Malformed_json_names_the_source()
    {
        var ex = Fails("""{"model": {"type": "BPE", """);
        Assert.Contains("bad.json", ex.Message);
        Assert.Contains("malformed JSON", ex.Message);
    }

    [Fact]
    public void Malformed_tokenizer_config_names_that_file()
    {
        var ex = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson($$"""{"model": {{Model}}}""", "{not json"));
        Assert.Contains("tokenizer_config.json", ex.Message);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void Unsupported_model_type_names_field_and_value(string type)
    {
        var ex = Fails("{\"model\": {\"type\": \"" + type + "\", \"vocab\": {}}}");
        Assert.Contains("model.type", ex.Message);
        Assert.Contains(type, ex.Message);
    }

    [Fact]
    public void Unknown_normalizer_names_field_and_value()
    {
        var ex = Fails($$"""{"normalizer": {"type": "Precompiled"}, "model": {{Model}}}""");
        Assert.Contains("normalizer.type", ex.Message);
        Assert.Contains("Precompiled", ex.Message);
    }

    [Fact]
    public void Unknown_nested_pre_tokenizer_names_its_path()
    {
        var ex = Fails($$"""{"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "Fancy"}]}, "model": {{Model}}}""");
        Assert.Contains("pre_tokenizer.pretokenizers[1].type", ex.Message);
        Assert.Contains("Fancy", ex.Message);
    }

    [Fact]
    public void Unknown_decoder_names_field_and_value()
    {
        var ex = Fails($$"""{"decoder": {"type": "CTC"}, "model": {{Model}}}""");
        Assert.Contains("decoder.type", ex.Message);
        Assert.Contains("CTC", ex.Message);
    }

    [Fact]
    public void Unknown_post_processor_names_field_and_value()
    {
        var ex = Fails($$"""{"post_processor": {"type": "Magic"}, "model": {{Model}}}""");
        Assert.Contains("post_processor.type", ex.Message);
        Assert.Contains("Magic", ex.Message);
    }

    [Fact]
    public void Unknown_split_behavior_names_field_and_value()
    {
        var ex = Fails($$"""{"pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}, "model": {{Model}}}""");
        Assert.Contains("pre_tokenizer.behavior", ex.Message);
        Assert.Contains("Sideways", ex.Message);
    }

    [Fact]
    public void Merge_with_token_outside_vocab_names_the_merge()
    {
        var ex = Fails("""{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}""");
        Assert.Contains("model.merges[0]", ex.Message);
    }

    [Fact]
    public void Missing_model_names_the_field()
    {
        var ex = Fails("""{"normalizer": null}""");
        Assert.Contains("model", ex.Message);
        Assert.Contains("missing", ex.Message);
    }

    [Fact]
    public void Config_eos_token_outside_vocab_names_the_field()
    {
        var ex = Assert.Throws<TokenizerFormatException>(() =>
            Tokenizer.FromJson($$"""{"model": {{Model}}}""", """{"eos_token": {"content": "</s>"}}"""));
        Assert.Contains("eos_token", ex.Message);
    }
}
