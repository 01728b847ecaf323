using MemServe.Engine;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Encodes streamed updates: <c>[u8 op <see cref="RemoteOp.Update"/>][i32 token id][i32 choice index][string text delta][logprobs]</c>,
/// and for the last one (of each choice) <c>[u8 op <see cref="RemoteOp.Final"/>][i32 token id][i32 choice index][string text delta][logprobs]
/// [u8 finish reason][i32 prompt tokens][i32 cached prompt tokens][i32 output tokens]
/// [i64 queue ticks][i64 time-to-first-token ticks][i64 total ticks]</c>, where <c>[logprobs]</c> is
/// <c>[u8 0]</c> or <c>[u8 1][f32 logprob][i32 k][(i32 token id, f32 logprob) × k]</c>. Stateless.
/// </summary>
internal static class GenerationUpdateCodec
{
    public static void Write(WireWriter w, GenerationUpdate update)
    {
        bool final = update.IsFinal;
        w.WriteByte((byte)(final ? RemoteOp.Final : RemoteOp.Update));
        w.WriteInt32(update.TokenId);
        w.WriteInt32(update.ChoiceIndex);
        w.WriteString(update.TextDelta);
        WriteLogprobs(w, update.Logprobs);
        if (!final) return;
        w.WriteByte((byte)update.FinishReason!.Value);
        GenerationUsage usage = update.Usage ?? new GenerationUsage(0, 0, 0);
        w.WriteInt32(usage.PromptTokens);
        w.WriteInt32(usage.CachedPromptTokens);
        w.WriteInt32(usage.OutputTokens);
        GenerationTimings timings = update.Timings ?? new GenerationTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        w.WriteInt64(timings.QueueTime.Ticks);
        w.WriteInt64(timings.TimeToFirstToken.Ticks);
        w.WriteInt64(timings.Total.Ticks);
    }

    /// <summary>Decodes an <see cref="RemoteOp.Update"/> or <see cref="RemoteOp.Final"/> body (op byte included).</summary>
    public static GenerationUpdate Read(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        var op = (RemoteOp)r.ReadByte();
        if (op is not (RemoteOp.Update or RemoteOp.Final)) RemoteThrowHelper.ThrowProtocol($"op {op} is not an update");
        int tokenId = r.ReadInt32();
        int choice = r.ReadInt32();
        if ((uint)choice >= GenerationRequest.MaxChoices) RemoteThrowHelper.ThrowProtocol($"choice index {choice}");
        string text = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null text delta");
        TokenLogprobs? logprobs = ReadLogprobs(ref r);
        if (op == RemoteOp.Update)
        {
            r.EnsureEnd();
            return new GenerationUpdate(tokenId, text) { Logprobs = logprobs, ChoiceIndex = choice };
        }
        byte reason = r.ReadByte();
        if (reason > (byte)FinishReason.Length) RemoteThrowHelper.ThrowProtocol($"finish reason {reason}");
        var usage = new GenerationUsage(r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
        var timings = new GenerationTimings(
            TimeSpan.FromTicks(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64()));
        r.EnsureEnd();
        return new GenerationUpdate(tokenId, text) { FinishReason = (FinishReason)reason, Usage = usage, Timings = timings, Logprobs = logprobs, ChoiceIndex = choice };
    }

    internal static void WriteLogprobs(WireWriter w, TokenLogprobs? logprobs)
    {
        w.WriteBool(logprobs is not null);
        if (logprobs is null) return;
        w.WriteSingle(logprobs.Logprob);
        w.WriteInt32(logprobs.Top.Count);
        for (int i = 0; i < logprobs.Top.Count; i++)
        {
            w.WriteInt32(logprobs.Top[i].TokenId);
            w.WriteSingle(logprobs.Top[i].Logprob);
        }
    }

    internal static TokenLogprobs? ReadLogprobs(ref WireReader r)
    {
        if (!r.ReadBool()) return null;
        float logprob = r.ReadSingle();
        int count = r.ReadInt32();
        if (count < 0 || count > GenerationRequest.MaxTopLogprobs) RemoteThrowHelper.ThrowProtocol($"top logprob count {count}");
        var top = new TopLogprob[count];
        for (int i = 0; i < count; i++) top[i] = new TopLogprob(r.ReadInt32(), r.ReadSingle());
        return new TokenLogprobs(logprob, top);
    }

    /// <summary>Encodes an <see cref="RemoteOp.Error"/> body.</summary>
    public static void WriteError(WireWriter w, RemoteErrorKind kind, string message)
    {
        w.WriteByte((byte)RemoteOp.Error);
        w.WriteByte((byte)kind);
        w.WriteString(message);
    }

    /// <summary>Decodes an <see cref="RemoteOp.Error"/> body (op byte included).</summary>
    public static (RemoteErrorKind Kind, string Message) ReadError(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        if ((RemoteOp)r.ReadByte() != RemoteOp.Error) RemoteThrowHelper.ThrowProtocol("error frame without the error op");
        var kind = (RemoteErrorKind)r.ReadByte();
        if (!Enum.IsDefined(kind)) kind = RemoteErrorKind.Failed;
        string message = r.ReadString() ?? "";
        return (kind, message);
    }
}
