using MemServe.Constraints;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Encodes a whole <see cref="GenerationRequest"/> (prompt or token ids, every sampling parameter, limits,
/// stop conditions, flags) compactly for a <see cref="Transport.MessageType.Request"/> frame:
/// <c>[string? prompt][i32[]? prompt ids][f32 temperature][i32 top-k][f32 top-p][f32 min-p][f32 repetition]
/// [f32 presence][f32 frequency][i64? seed][i32 max tokens][i32[] stop ids][i32 n][string × n stop strings]
/// [u8 flags: 1 ignore eos, 2 add special tokens, 4 wait for admission][string? session id]
/// [i32 logprobs, -1 = off][i32 m][(i32 token id, f32 bias) × m logit bias][i32 choices (N)]
/// [string? constraint kind][string? constraint GBNF (when the kind is set)]</c>. Stateless.
/// </summary>
internal static class GenerationRequestCodec
{
    private const byte IgnoreEosFlag = 1, AddSpecialTokensFlag = 2, WaitForAdmissionFlag = 4;

    public static void Write(WireWriter w, GenerationRequest request)
    {
        w.WriteString(request.Prompt);
        w.WriteInt32List(request.PromptTokenIds);
        SamplingParameters s = request.Sampling;
        w.WriteSingle(s.Temperature);
        w.WriteInt32(s.TopK);
        w.WriteSingle(s.TopP);
        w.WriteSingle(s.MinP);
        w.WriteSingle(s.RepetitionPenalty);
        w.WriteSingle(s.PresencePenalty);
        w.WriteSingle(s.FrequencyPenalty);
        w.WriteNullableInt64(s.Seed);
        w.WriteInt32(request.MaxTokens);
        w.WriteInt32List(request.StopTokenIds);
        w.WriteInt32(request.StopStrings.Count);
        foreach (string stop in request.StopStrings) w.WriteString(stop);
        w.WriteByte((byte)((request.IgnoreEos ? IgnoreEosFlag : 0)
            | (request.AddSpecialTokens ? AddSpecialTokensFlag : 0)
            | (request.WaitForAdmission ? WaitForAdmissionFlag : 0)));
        w.WriteString(request.SessionId);
        w.WriteInt32(request.Logprobs ?? -1);
        IReadOnlyDictionary<int, float>? bias = s.LogitBias;
        w.WriteInt32(bias?.Count ?? 0);
        if (bias is not null)
        {
                foreach (KeyValuePair<int, float> entry in bias)
            {
                w.WriteInt32(entry.Key);
                w.WriteSingle(entry.Value);
            }
        }
        w.WriteInt32(request.N);
        w.WriteString(request.Constraint?.Description);
        if (request.Constraint is { } constraint) w.WriteString(constraint.Gbnf);
    }

    /// <summary>Decodes a request; a malformed payload throws <see cref="Transport.KvTransportException"/>
    /// (protocol violation). The values are not validated here: the hosted engine validates them as it
    /// would a local caller's and its <see cref="InvalidRequestException"/> travels back.</summary>
    public static GenerationRequest Read(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        GenerationRequest request = Read(ref r);
        r.EnsureEnd();
        return request;
    }

    /// <summary>Decodes a request that is followed by more fields of an enclosing message.</summary>
    public static GenerationRequest Read(ref WireReader r)
    {
        string? prompt = r.ReadString();
        int[]? promptIds = r.ReadInt32List();
        var sampling = new SamplingParameters
        {
            Temperature = r.ReadSingle(),
            TopK = r.ReadInt32(),
            TopP = r.ReadSingle(),
            MinP = r.ReadSingle(),
            RepetitionPenalty = r.ReadSingle(),
            PresencePenalty = r.ReadSingle(),
            FrequencyPenalty = r.ReadSingle(),
            Seed = r.ReadNullableInt64(),
        };
        int maxTokens = r.ReadInt32();
        int[] stopIds = r.ReadInt32List() ?? RemoteThrowHelper.ProtocolViolation<int[]>("null stop token list");
        int stopCount = r.ReadInt32();
        if (stopCount < 0 || stopCount > r.Remaining / 4) RemoteThrowHelper.ThrowProtocol($"stop string count {stopCount}");
        var stops = new string[stopCount];
        for (int i = 0; i < stopCount; i++) stops[i] = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null stop string");
        byte flags = r.ReadByte();
        if ((flags & ~(IgnoreEosFlag | AddSpecialTokensFlag | WaitForAdmissionFlag)) != 0)
            RemoteThrowHelper.ThrowProtocol($"unknown request flags 0x{flags:X2}");
        string? sessionId = r.ReadString();
        int logprobs = r.ReadInt32();
        int biasCount = r.ReadInt32();
        if (biasCount < 0 || biasCount > r.Remaining / 8) RemoteThrowHelper.ThrowProtocol($"logit bias count {biasCount}");
        if (biasCount > 0)
        {
            var bias = new Dictionary<int, float>(biasCount);
            for (int i = 0; i < biasCount; i++) bias[r.ReadInt32()] = r.ReadSingle();
            sampling = sampling with { LogitBias = bias };
        }
        int choices = r.ReadInt32();
        OutputConstraint? constraint = null;
        if (r.ReadString() is { } kind)
        {
            string gbnf = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null constraint grammar");
            constraint = OutputConstraint.FromWire(kind, gbnf); // a grammar the host cannot compile fails like a local request
        }
        return new GenerationRequest
        {
            Constraint = constraint,
            N = choices,
            Logprobs = logprobs < 0 ? null : logprobs,
            Prompt = prompt,
            PromptTokenIds = promptIds,
            Sampling = sampling,
            MaxTokens = maxTokens,
            StopTokenIds = stopIds,
            StopStrings = stops,
            IgnoreEos = (flags & IgnoreEosFlag) != 0,
            AddSpecialTokens = (flags & AddSpecialTokensFlag) != 0,
            WaitForAdmission = (flags & WaitForAdmissionFlag) != 0,
            SessionId = sessionId,
        };
    }
}
