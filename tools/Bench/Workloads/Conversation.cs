namespace LlmPlatform.Bench.Workloads;

/// <summary>
/// One turn of a conversation: the user's new tokens and how many tokens the reply must have (sent as max_tokens
/// with ignore_eos, so every server generates the same amount).
/// </summary>
public sealed record Turn(IReadOnlyList<int> UserTokens, int OutputTokens);

/// <summary>
/// The unit a workload is made of: a conversation of one or more turns, sent one after another, each turn after the
/// previous reply so the history grows as a chat client's does. Single-request workloads are conversations of one
/// turn. <see cref="Model"/> overrides the run's model (a LoRA adapter's name); <see cref="Tag"/> groups results.
/// </summary>
public sealed record Conversation(int Index, string Tag, string? Model, IReadOnlyList<int>? SystemTokens, IReadOnlyList<Turn> Turns);

/// <summary>What a workload needs from the server's tokenizer: exact token counts come from the model's own tokenizer.</summary>
public interface ITokenizer
{
    Task<IReadOnlyList<int>> TokenizeAsync(string text, CancellationToken cancellation);

    Task<string> DetokenizeAsync(IReadOnlyList<int> tokens, CancellationToken cancellation);
}
