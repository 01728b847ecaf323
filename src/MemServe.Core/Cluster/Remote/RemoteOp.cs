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
}
