using MemServe.Transport;

namespace MemServe.Cluster;

/// <summary>
/// Opens a fresh link for one KV transfer from instance <paramref name="fromInstanceId"/> to
/// <paramref name="toInstanceId"/>: the sender's end and the receiver's end. The receiving instance disposes both
/// when the transfer ends. The default (<see cref="KvLinks.InProcess"/>) is an in-process channel pair; tests inject
/// failing links, and remote instances use their TCP connection instead.
/// </summary>
public delegate (IKvTransport SenderEnd, IKvTransport ReceiverEnd) KvLinkFactory(string fromInstanceId, string toInstanceId);

/// <summary>Built-in <see cref="KvLinkFactory"/> values.</summary>
public static class KvLinks
{
    /// <summary>An in-process channel pair per transfer (one memcpy into the frame, one out of it).</summary>
    public static KvLinkFactory InProcess { get; } = static (_, _) => KvTransports.CreateInProcessPair();
}
