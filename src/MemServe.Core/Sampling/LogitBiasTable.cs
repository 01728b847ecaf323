namespace MemServe.Sampling;

/// <summary>
/// <see cref="SamplingParameters.LogitBias"/> flattened into parallel arrays, so that applying it per token
/// neither enumerates a dictionary nor allocates. Built once per parameters object; immutable.
/// </summary>
internal sealed class LogitBiasTable
{
    private readonly int[] _ids;       // (entries) token ids, ascending
    private readonly float[] _values;  // (entries) bias of _ids[i]

    private LogitBiasTable(IReadOnlyDictionary<int, float> source)
    {
        Source = source;
        _ids = new int[source.Count];
        _values = new float[source.Count];
        int n = 0;
        foreach (KeyValuePair<int, float> entry in source)
        {
            _ids[n] = entry.Key;
            _values[n++] = entry.Value;
        }
        Array.Sort(_ids, _values);
    }

    /// <summary>The map this table was built from.</summary>
    public IReadOnlyDictionary<int, float> Source { get; }

    /// <summary>A table for <paramref name="bias"/>, or null when it is null or empty.</summary>
    public static LogitBiasTable? Create(IReadOnlyDictionary<int, float>? bias) =>
        bias is { Count: > 0 } ? new LogitBiasTable(bias) : null;

    /// <summary>Adds each bias to its token's logit in <paramref name="logits"/> (ids must be in range).</summary>
    public void Apply(Span<float> logits)
    {
        for (int i = 0; i < _ids.Length; i++) logits[_ids[i]] += _values[i];
    }
}
