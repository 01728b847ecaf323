namespace MemServe.Extensions;

/// <summary>Where a hosted engine is in its life.</summary>
public enum MemServeEngineState
{
    /// <summary>Nothing asked for the engine yet.</summary>
    NotLoaded,
    /// <summary>The model is being loaded and the engine created.</summary>
    Loading,
    /// <summary>The engine serves requests.</summary>
    Ready,
    /// <summary>Loading failed; the error is kept and every request fails with it.</summary>
    Failed,
    /// <summary>The engine was stopped and freed.</summary>
    Disposed,
}
