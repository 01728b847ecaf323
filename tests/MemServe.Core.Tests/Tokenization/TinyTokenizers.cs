using MemServe.Tokenization;

namespace MemServe.Core.Tests.Tokenization;

/// <summary>Hand-written tokenizer.json files small enough to reason about merge by merge.</summary>
internal static class TinyTokenizers
{
    /// <summary>
    /// Byte-level BPE. Merge ranks: "b c" (0) before "a b" (1), so "abc" is a + bc although "ab" exists;
    /// "a a" (2) applies leftmost first. "abcd" is in the vocab whole (for ignore_merges).
    /// </summary>
    public static string ByteLevelJson(bool ignoreMerges = false, bool mergesAsArrays = false)
    {
        string merges = mergesAsArrays
            ? """[["b","c"],["a","b"],["a","a"],["Ġ","a"],["c","d"],["bc","d"]]"""
            : """["b c","a b","a a","Ġ a","c d","bc d"]""";
        return """
        {
          "version": "1.0",
          "added_tokens": [
            {"id": 12, "content": "<|end|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 13, "content": "<x>", "single_word": false, "lstrip": true, "rstrip": true, "normalized": false, "special": false},
            {"id": 14, "content": "<|end|>!", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 15, "content": "dd", "single_word": true, "lstrip": false, "rstrip": false, "normalized": false, "special": false}
          ],
          "normalizer": null,
          "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
          "post_processor": {"type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|end|>", "type_id": 0}}],
            "pair": [],
            "special_tokens": {"<|end|>": {"id": "<|end|>", "ids": [12], "tokens": ["<|end|>"]}}},
          "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
          "model": {
            "type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": IGNORE_MERGES,
            "vocab": {"a": 0, "b": 1, "c": 2, "d": 3, "Ġ": 4, "ab": 5, "bc": 6, "aa": 7, "abcd": 8, "Ġa": 9, "cd": 10, "bcd": 11},
            "merges": MERGES
          }
        }
        """.Replace("IGNORE_MERGES", ignoreMerges ? "true" : "false", StringComparison.Ordinal).Replace("MERGES", merges, StringComparison.Ordinal);
    }

    public static Tokenizer ByteLevel(bool ignoreMerges = false, bool mergesAsArrays = false) =>
        Tokenizer.FromJson(ByteLevelJson(ignoreMerges, mergesAsArrays), sourceName: "tiny-byte-level.json");

    /// <summary>
    /// Metaspace pre-tokenizer + decoder with an unknown token (fuse_unk) and no normalizer:
    /// vocab ▁, a, b, ▁a, ab, ▁ab, &lt;unk&gt;.
    /// </summary>
    public static Tokenizer Metaspace(string prependScheme = "always") => Tokenizer.FromJson($$"""
        {
          "added_tokens": [{"id": 7, "content": "<s>", "special": true, "normalized": false}],
          "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "{{prependScheme}}", "split": true},
          "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "{{prependScheme}}", "split": true},
          "model": {
            "type": "BPE", "unk_token": "<unk>", "fuse_unk": true,
            "vocab": {"▁": 0, "a": 1, "b": 2, "▁a": 3, "ab": 4, "▁ab": 5, "<unk>": 6},
            "merges": ["▁ a", "▁a b", "a b"]
          }
        }
        """, sourceName: "tiny-metaspace.json");
}
