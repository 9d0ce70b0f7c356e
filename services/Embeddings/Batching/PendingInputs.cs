namespace LlmPlatform.Embeddings.Batching;

/// <summary>
/// The inputs waiting for the model, and how the next batch is drawn from them. The oldest input always goes next, so
/// none waits behind a stream of others; it is joined by the waiting inputs nearest to it in length, so that little of
/// the batch is padding (an encoder pads every input to the longest of its batch). A batch holds at most
/// <c>maxInputs</c> inputs and <c>maxTokens</c> tokens counted padded, and an input joins only while the padding it adds
/// stays under its own length or <see cref="PaddingAllowance"/>, whichever is more: a 200-token input and a 10-token one
/// run faster apart. Inputs of jobs that are over are dropped here. Used from the batcher's thread only.
/// </summary>
internal sealed class PendingInputs(int maxInputs, int maxTokens)
{
    /// <summary>
    /// Padding tokens any input may add: on a CPU, tens of tokens cost less than another forward pass, so short inputs
    /// of different lengths still share a batch.
    /// </summary>
    public const int PaddingAllowance = 32;

    private readonly List<PendingInput> waiting = [];
    private long tokens;

    public int Count => waiting.Count;

    /// <summary>Enough is waiting to fill a batch: no reason to wait for more.</summary>
    public bool CanFillBatch => waiting.Count >= maxInputs || tokens >= maxTokens;

    public void Add(PendingInput input)
    {
        waiting.Add(input);
        tokens += input.Length;
    }

    /// <summary>Removes and returns every input, for failing them all when the service stops.</summary>
    public List<PendingInput> TakeAll()
    {
        var all = waiting.ToList();
        waiting.Clear();
        tokens = 0;
        return all;
    }

    /// <summary>The next batch, shortest input first; empty when nothing (still wanted) is waiting.</summary>
    public List<PendingInput> TakeBatch()
    {
        waiting.RemoveAll(input => input.Job.IsOver);
        tokens = waiting.Sum(input => (long)input.Length);
        if (waiting.Count == 0)
        {
            return [];
        }

        var anchor = waiting[0];
        // OrderBy is stable: among equal lengths the older input comes first.
        var byLength = waiting.OrderBy(input => input.Length).ToList();
        var first = byLength.IndexOf(anchor);
        var last = first;
        var longest = anchor.Length;
        while (last - first + 1 < maxInputs)
        {
            var count = last - first + 1;
            var shorter = first > 0 ? byLength[first - 1] : null;
            var longer = last + 1 < byLength.Count ? byLength[last + 1] : null;
            // Padding each would add: the shorter one is padded to the longest; a longer one pads every input already in.
            var shorterCost = shorter is null ? long.MaxValue : longest - shorter.Length;
            var longerCost = longer is null ? long.MaxValue : (long)count * (longer.Length - longest);
            var takeShorter = Fits(shorter, shorterCost, count, longest) && (shorterCost <= longerCost || !Fits(longer, longerCost, count, longest));
            if (takeShorter)
            {
                first--;
            }
            else if (Fits(longer, longerCost, count, longest))
            {
                last++;
                longest = longer!.Length;
            }
            else
            {
                break;
            }
        }

        var batch = byLength.GetRange(first, last - first + 1);
        var taken = batch.ToHashSet();
        waiting.RemoveAll(taken.Contains);
        tokens -= batch.Sum(input => (long)input.Length);
        return batch;
    }

    private bool Fits(PendingInput? candidate, long padding, int count, int longest) =>
        candidate is not null && padding <= Math.Max(candidate.Length, PaddingAllowance) && (long)Math.Max(longest, candidate.Length) * (count + 1) <= maxTokens;
}
