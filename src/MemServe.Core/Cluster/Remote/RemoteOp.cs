namespace MemServe.Cluster.Remote;

/// <summary>
/// The remote-engine protocol's messages. Each travels in one <see cref="Transport.IKvTransport"/> frame; the
/// frame's correlation id names the request (or probe) it belongs to, so any number of requests share one
/// connection. Frames of type <see cref="Transport.MessageType.Control"/> start with this byte; the other
/// types carry their meaning in the frame type itself:
/// <list type="bullet">
/// <item><c>Request</c> (client → host): a generation request (<see cref="GenerationRequestCodec"/>).</item>
/// <item><c>HealthProbe</c> / <c>HealthReply</c>: a probe and its answer, which carries the host's
/// <see cref="Engine.EngineStats"/> (<see cref="EngineStatsCodec"/>).</item>
/// <item><c>InsertEvent</c> / <c>EvictEvent</c> (host → client, correlation id 0): chained block hashes the
/// hosted instance cached or evicted (<see cref="Transport.BlockHashesPayload"/>).</item>
/// </list>
/// The byte values are the wire format: never renumber.
/// </summary>
public enum RemoteOp : byte
{
    /// <summary>Client → host, first message on a connection (empty body); the host answers with <see cref="HelloReply"/>.</summary>
    Hello = 1,

    /// <summary>Host → client: who the host is (<see cref="RemoteInstanceInfo"/>).</summary>
    HelloReply = 2,

    /// <summary>Host → client: one streamed token of a request (<see cref="GenerationUpdateCodec"/>).</summary>
    Update = 3,

    /// <summary>Host → client: the last update of a request, with finish reason, usage and timings.</summary>
    Final = 4,

    /// <summary>Host → client (frame flag <c>Error</c>): the request failed; body <c>[u8 <see cref="RemoteErrorKind"/>][string message]</c>.</summary>
    Error = 5,

    /// <summary>Client → host: stop the request with the frame's correlation id and free its blocks (no answer).</summary>
    Cancel = 6,

    /// <summary>Client → host: send <see cref="StatsReply"/>.</summary>
    StatsRequest = 7,

    /// <summary>Host → client: a stats snapshot (<see cref="EngineStatsCodec"/>).</summary>
    StatsReply = 8,

    /// <summary>Client → host: prefill a request and hold its KV under this frame's correlation id
    /// (<see cref="RemoteKvMessages"/>); answered by <see cref="PrefillReply"/>.</summary>
    Prefill = 9,

    /// <summary>Host → client: first token, counts, generator state and the held KV's size.</summary>
    PrefillReply = 10,

    /// <summary>Client → host: hold the longest cached prefix of some tokens under this correlation id; answered
    /// by <see cref="ExportReply"/>.</summary>
    Export = 11,

    /// <summary>Host → client: the held prefix's blocks and tokens.</summary>
    ExportReply = 12,

    /// <summary>Client → host: send blocks of a held KV (by handle, from a block) back as one aggregated
    /// <c>KvBlocks</c> frame with this frame's correlation id.</summary>
    KvSend = 13,

    /// <summary>Client → host: release a held KV (no answer).</summary>
    KvRelease = 14,

    /// <summary>Client → host: decode a request whose prompt KV the client supplies on demand (<see cref="KvPull"/>);
    /// answered like a generation, with updates.</summary>
    Decode = 15,

    /// <summary>Host → client, inside a decode or import call: send the prompt KV from a block as one
    /// <c>KvBlocks</c> frame with the call's correlation id.</summary>
    KvPull = 16,

    /// <summary>Client → host: import (and optionally insert) a prefix whose KV the client supplies on demand;
    /// answered by <see cref="ImportReply"/>.</summary>
    Import = 17,

    /// <summary>Host → client: held, received and inserted block counts.</summary>
    ImportReply = 18,

    /// <summary>Client → host: start forwarding the instance's cache events on this connection.</summary>
    Subscribe = 19,

    /// <summary>Client → host: embed an <see cref="Engine.EmbeddingRequest"/> (<see cref="EmbeddingCodec"/>); answered by
    /// <see cref="EmbedReply"/> or an error. A <see cref="Cancel"/> with the same correlation id ends it. Since version 3.</summary>
    Embed = 20,

    /// <summary>Host → client: the vectors and prompt-token count of an <see cref="Embed"/>.</summary>
    EmbedReply = 21,
}
