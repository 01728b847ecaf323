namespace MemServe.Engine;

/// <summary>A piece of work another thread posted to the engine thread (<see cref="EngineLoop.InvokeAsync{T}"/>).</summary>
internal abstract class EngineWork
{
    /// <summary>Runs the work on the engine thread; never throws (failures go to the poster's task).</summary>
    public abstract void Run();
}

/// <summary>Work with a result the poster awaits.</summary>
internal sealed class EngineWork<T>(Func<T> work) : EngineWork
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _done.Task;

    public override void Run()
    {
        try
        {
            _done.TrySetResult(work());
        }
        catch (Exception ex)
        {
            _done.TrySetException(ex);
        }
    }

    public void Fail(Exception error) => _done.TrySetException(error);
}
