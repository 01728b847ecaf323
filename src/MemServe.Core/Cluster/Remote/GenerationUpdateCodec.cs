using MemServe.Engine;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Encodes streamed updates: <c>[u8 op <see cref="RemoteOp.Update"/>][i32 token id][string text delta]</c>,
/// and for the last one <c>[u8 op <see cref="RemoteOp.Final"/>][i32 token id][string text delta]
/// [u8 finish reason][i32 prompt tokens][i32 cached prompt tokens][i32 output tokens]
/// [i64 queue ticks][i64 time-to-first-token ticks][i64 total ticks]</c>. Stateless.
/// </summary>
internal static class GenerationUpdateCodec
{
    public static void Write(WireWriter w, GenerationUpdate update)
    {
        bool final = update.IsFinal;
        w.WriteByte((byte)(final ? RemoteOp.Final : RemoteOp.Update));
        w.WriteInt32(update.TokenId);
        w.WriteString(update.TextDelta);
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
        string text = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null text delta");
        if (op == RemoteOp.Update)
        {
            r.EnsureEnd();
            return new GenerationUpdate(tokenId, text);
        }
        byte reason = r.ReadByte();
        if (reason > (byte)FinishReason.Length) RemoteThrowHelper.ThrowProtocol($"finish reason {reason}");
        var usage = new GenerationUsage(r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
        var timings = new GenerationTimings(
            TimeSpan.FromTicks(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64()));
        r.EnsureEnd();
        return new GenerationUpdate(tokenId, text) { FinishReason = (FinishReason)reason, Usage = usage, Timings = timings };
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
