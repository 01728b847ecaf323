namespace MemServe.Cluster;

/// <summary>An instance a request was routed to, with the router's decision and the load charged for it.</summary>
/// <param name="Instance">The instance.</param>
/// <param name="Routed">The decision and its dispatch ticket.</param>
/// <param name="Router">The router of the instance's role (which released the load).</param>
public sealed record RoutedInstance(IEngineInstance Instance, RoutedRequest Routed, GlobalRouter Router);
