using MemServe.Engine;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Bodies of the KV-moving operations of the remote protocol (prefill-and-export, export, import-and-decode,
/// import). KV itself never travels inside these messages: it moves as one aggregated <c>KvBlocks</c> frame
/// per transfer (<see cref="Transport.KvTransferSender"/> on the holder, <see cref="Transport.KvTransferReceiver"/>
/// on the lander), forwarded hop by hop by the client. Stateless.
/// </summary>
internal static class RemoteKvMessages
{
    /// <summary>What a caller knows about a KV source: its holder, size in blocks and tokens.</summary>
    public readonly record struct SourceShape(string InstanceId, int BlockCount, int TokenCount);

    public static void WritePrefill(WireWriter w, PrefillRequest request)
    {
        w.WriteByte((byte)RemoteOp.Prefill);
        GenerationRequestCodec.Write(w, request.Request);
        w.WriteBool(request.UseCache);
    }

    public static PrefillRequest ReadPrefill(ref WireReader r)
    {
        GenerationRequest request = GenerationRequestCodec.Read(ref r);
        return new PrefillRequest(request, r.ReadBool());
    }

    public static void WritePrefillReply(WireWriter w, PrefillResult result)
    {
        w.WriteByte((byte)RemoteOp.PrefillReply);
        w.WriteInt32(result.FirstToken);
        w.WriteInt32(result.PromptTokens);
        w.WriteInt32(result.CachedPromptTokens);
        w.WriteInt32(result.Kv.BlockCount);
        w.WriteInt32(result.Kv.TokenCount);
        WriteState(w, result.GeneratorState.Span);
        w.WriteInt64(result.PrefillTime.Ticks);
        GenerationUpdateCodec.WriteLogprobs(w, result.FirstLogprobs);
    }

    public static (int FirstToken, int PromptTokens, int Cached, int Blocks, int Tokens, ulong[] State, TimeSpan Time, TokenLogprobs? Logprobs) ReadPrefillReply(
        ReadOnlySpan<byte> payload)
    {
        var r = Expect(payload, RemoteOp.PrefillReply);
        var reply = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), ReadState(ref r),
            TimeSpan.FromTicks(r.ReadInt64()), GenerationUpdateCodec.ReadLogprobs(ref r));
        r.EnsureEnd();
        return reply;
    }

    public static void WriteDecode(WireWriter w, DecodeRequest request, SourceShape source)
    {
        w.WriteByte((byte)RemoteOp.Decode);
        GenerationRequestCodec.Write(w, request.Request);
        w.WriteInt32(request.FirstToken);
        WriteState(w, request.GeneratorState.Span);
        w.WriteBool(request.UseCache);
        GenerationUpdateCodec.WriteLogprobs(w, request.FirstLogprobs);
        WriteShape(w, source);
    }

    public static (DecodeRequest Request, SourceShape Source) ReadDecode(ref WireReader r)
    {
        GenerationRequest request = GenerationRequestCodec.Read(ref r);
        int first = r.ReadInt32();
        ulong[] state = ReadState(ref r);
        bool useCache = r.ReadBool();
        TokenLogprobs? logprobs = GenerationUpdateCodec.ReadLogprobs(ref r);
        return (new DecodeRequest(request, first, state, useCache, logprobs), ReadShape(ref r));
    }

    public static void WriteImport(WireWriter w, ReadOnlySpan<int> tokens, bool insert, SourceShape source)
    {
        w.WriteByte((byte)RemoteOp.Import);
        w.WriteInt32List(tokens.ToArray());
        w.WriteBool(insert);
        WriteShape(w, source);
    }

    public static (int[] Tokens, bool Insert, SourceShape Source) ReadImport(ref WireReader r)
    {
        int[] tokens = r.ReadInt32List() ?? RemoteThrowHelper.ProtocolViolation<int[]>("null token list");
        bool insert = r.ReadBool();
        return (tokens, insert, ReadShape(ref r));
    }

    public static void WriteCounts(WireWriter w, RemoteOp op, int a, int b, int c = 0)
    {
        w.WriteByte((byte)op);
        w.WriteInt32(a);
        w.WriteInt32(b);
        w.WriteInt32(c);
    }

    public static (int A, int B, int C) ReadCounts(ReadOnlySpan<byte> payload, RemoteOp op)
    {
        var r = Expect(payload, op);
        var counts = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
        r.EnsureEnd();
        return counts;
    }

    /// <summary>A body that is an op and two 64/32-bit numbers (KvSend: handle, from block; KvRelease: handle;
    /// KvPull: from block).</summary>
    public static void WriteHandle(WireWriter w, RemoteOp op, long handle, int fromBlock)
    {
        w.WriteByte((byte)op);
        w.WriteInt64(handle);
        w.WriteInt32(fromBlock);
    }

    public static (long Handle, int FromBlock) ReadHandle(ReadOnlySpan<byte> payload, RemoteOp op)
    {
        var r = Expect(payload, op);
        var value = (r.ReadInt64(), r.ReadInt32());
        r.EnsureEnd();
        return value;
    }

    private static WireReader Expect(ReadOnlySpan<byte> payload, RemoteOp op)
    {
        var r = new WireReader(payload);
        var actual = (RemoteOp)r.ReadByte();
        if (actual != op) RemoteThrowHelper.ThrowProtocol($"expected {op}, got {actual}");
        return r;
    }

    private static void WriteShape(WireWriter w, SourceShape source)
    {
        w.WriteString(source.InstanceId);
        w.WriteInt32(source.BlockCount);
        w.WriteInt32(source.TokenCount);
    }

    private static SourceShape ReadShape(ref WireReader r)
    {
        string id = r.ReadString() ?? "";
        int blocks = r.ReadInt32(), tokens = r.ReadInt32();
        if (blocks < 0 || tokens < 0) RemoteThrowHelper.ThrowProtocol($"KV source of {blocks} blocks and {tokens} tokens");
        return new SourceShape(id, blocks, tokens);
    }

    private static void WriteState(WireWriter w, ReadOnlySpan<ulong> state)
    {
        w.WriteInt32(state.Length);
        foreach (ulong word in state) w.WriteInt64((long)word);
    }

    private static ulong[] ReadState(ref WireReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > r.Remaining / 8) RemoteThrowHelper.ThrowProtocol($"generator state of {count} words");
        var state = new ulong[count];
        for (int i = 0; i < count; i++) state[i] = (ulong)r.ReadInt64();
        return state;
    }
}
