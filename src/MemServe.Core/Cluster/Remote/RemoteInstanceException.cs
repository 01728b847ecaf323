namespace MemServe.Cluster.Remote;

/// <summary>
/// A remote engine instance could not serve a request: its endpoint was unreachable, the connection was
/// lost while the request ran (the process died, the network dropped), it did not answer in time, or it
/// shut down. The message names the instance; <see cref="InstanceId"/> and <see cref="Endpoint"/> carry it.
/// A cluster with retry enabled catches this type to run the request on another instance.
/// </summary>
public class RemoteInstanceException : MemServeException
{
    /// <summary>Creates the exception.</summary>
    public RemoteInstanceException(string instanceId, string endpoint, string message, Exception? innerException = null)
        : base(message, innerException ?? new InvalidOperationException(message))
    {
        InstanceId = instanceId;
        Endpoint = endpoint;
    }

    /// <summary>Creates the exception with a message that names the problem.</summary>
    public RemoteInstanceException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public RemoteInstanceException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public RemoteInstanceException() { }

    /// <summary>The instance's id (its endpoint unless configured otherwise).</summary>
    public string InstanceId { get; } = "";

    /// <summary>The endpoint the instance was reached at.</summary>
    public string Endpoint { get; } = "";
}
