using System.Globalization;
using System.Net;

namespace MemServe.Cluster.Remote;

/// <summary>Parses remote-instance endpoints written as <c>HOST:PORT</c> (an IPv4 address, <c>[IPv6]</c>, or a
/// host name resolved through DNS) and comma-separated lists of them. Stateless.</summary>
public static class RemoteEndpoint
{
    /// <summary>Parses one endpoint; a malformed one throws <see cref="FormatException"/> naming it.</summary>
    public static async Task<IPEndPoint> ResolveAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        string text = endpoint.Trim();
        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port != 0 && text.Contains(':', StringComparison.Ordinal)) return ip;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
            throw new FormatException($"Remote endpoint '{endpoint}' is not HOST:PORT with a port in 1..65535.");
        string host = text[..colon];
        IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        foreach (IPAddress address in addresses)
            if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return new IPEndPoint(address, port);
        if (addresses.Length == 0) throw new FormatException($"Remote endpoint '{endpoint}': host '{host}' has no address.");
        return new IPEndPoint(addresses[0], port);
    }

    /// <summary>Splits a comma-separated list (<c>HOST:PORT,HOST:PORT</c>), dropping empty entries.</summary>
    public static IReadOnlyList<string> SplitList(string endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
