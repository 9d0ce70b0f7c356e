namespace LlmPlatform.Scheduling;

public enum SequenceStatus
{
    /// <summary>Queued, holding no blocks.</summary>
    Waiting,

    /// <summary>Admitted: holds the blocks of its computed tokens and is scheduled each step.</summary>
    Running,

    /// <summary>Back in the waiting queue after its blocks were taken; it recomputes prompt and output when admitted.</summary>
    Preempted,

    Finished,
}

/// <summary>OpenAI's finish_reason.</summary>
public enum FinishReason
{
    /// <summary>eos, a stop token id, or a stop string.</summary>
    Stop,

    /// <summary>max_tokens, or the model's context length.</summary>
    Length,

    /// <summary>The client went away or the request was cancelled.</summary>
    Abort,
}
