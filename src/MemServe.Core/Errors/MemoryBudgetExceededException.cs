namespace MemServe;

/// <summary>A charge against an engine's memory budget would exceed it; the message names the category, the request and the limit.</summary>
public class MemoryBudgetExceededException : MemServeException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public MemoryBudgetExceededException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public MemoryBudgetExceededException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public MemoryBudgetExceededException() { }
}
