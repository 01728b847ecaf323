using MemServe.Model;
using MemServe.Tokenization;

namespace MemServe.Engine;

/// <summary>The token ids that end a request: its own stop ids plus, unless it ignores EOS, the model's and the
/// tokenizer's EOS ids. Read-only after construction.</summary>
internal sealed class StopTokens
{
    private readonly int[] _eos;

    /// <summary>Collects the EOS ids of <paramref name="config"/> (generation config) and <paramref name="tokenizer"/>.</summary>
    public StopTokens(ModelConfig config, ITokenizer tokenizer)
    {
        var ids = new List<int>(config.EosTokenIds);
        if (tokenizer.EosTokenId is { } eos && !ids.Contains(eos)) ids.Add(eos);
        _eos = [.. ids];
    }

    /// <summary>The ids that stop <paramref name="request"/>: its stop ids, then the EOS ids unless it ignores EOS.</summary>
    public int[] For(GenerationRequest request)
    {
        int eos = request.IgnoreEos ? 0 : _eos.Length;
        var ids = new int[request.StopTokenIds.Count + eos];
        for (int i = 0; i < request.StopTokenIds.Count; i++) ids[i] = request.StopTokenIds[i];
        Array.Copy(_eos, 0, ids, request.StopTokenIds.Count, eos);
        return ids;
    }
}
