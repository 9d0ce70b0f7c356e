using LlmPlatform.Embeddings.Batching;

namespace LlmPlatform.Embeddings.Tests;

/// <summary>How the next batch is drawn from the waiting inputs: grouped by length, capped, oldest first.</summary>
public sealed class PendingInputsTests
{
    private static PendingInput Input(int length, EmbeddingJob? job = null, int index = 0) => new(job ?? new EmbeddingJob(1, default), index, [.. Enumerable.Repeat(7, length)], 0);

    private static PendingInputs Queue(int maxInputs, int maxTokens, params int[] lengths)
    {
        var queue = new PendingInputs(maxInputs, maxTokens);
        foreach (var length in lengths)
        {
            queue.Add(Input(length));
        }

        return queue;
    }

    private static int[] Lengths(IEnumerable<PendingInput> batch) => [.. batch.Select(input => input.Length)];

    [Fact]
    public void Inputs_of_similar_length_share_a_batch_starting_with_the_oldest()
    {
        var queue = Queue(3, 1000, 50, 5, 48, 6, 49, 7);

        Assert.Equal([48, 49, 50], Lengths(queue.TakeBatch()));
        Assert.Equal([5, 6, 7], Lengths(queue.TakeBatch()));
        Assert.Empty(queue.TakeBatch());
    }

    [Fact]
    public void A_batch_holds_no_more_inputs_than_its_cap()
    {
        var queue = Queue(4, 1000, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);

        Assert.Equal([4, 4, 2], new[] { queue.TakeBatch().Count, queue.TakeBatch().Count, queue.TakeBatch().Count });
    }

    [Fact]
    public void A_batch_holds_no_more_tokens_than_its_cap_counting_padding()
    {
        var queue = Queue(8, 100, 30, 40, 40);

        // 30 and 40 pad to 2 × 40 = 80 tokens; a third 40 would make 120.
        Assert.Equal([30, 40], Lengths(queue.TakeBatch()));
        Assert.Equal([40], Lengths(queue.TakeBatch()));
    }

    [Fact]
    public void An_input_far_shorter_than_the_oldest_waits_for_a_batch_of_its_own_length()
    {
        var queue = Queue(8, 10_000, 200, 10, 12);

        // Padding 10 tokens to 200 costs more than running them apart.
        Assert.Equal([200], Lengths(queue.TakeBatch()));
        Assert.Equal([10, 12], Lengths(queue.TakeBatch()));
    }

    [Fact]
    public void Short_inputs_of_different_lengths_share_a_batch_within_the_padding_allowance()
    {
        var queue = Queue(8, 10_000, 3, 20, 30);

        Assert.Equal([3, 20, 30], Lengths(queue.TakeBatch()));
    }

    [Fact]
    public void Inputs_of_a_request_that_is_over_are_dropped_before_they_run()
    {
        var cancelled = new EmbeddingJob(2, default);
        var queue = new PendingInputs(8, 1000);
        queue.Add(Input(5, cancelled, 0));
        queue.Add(Input(6));
        queue.Add(Input(5, cancelled, 1));
        cancelled.Cancel(new CancellationToken(canceled: true));

        var batch = queue.TakeBatch();

        Assert.Equal([6], Lengths(batch));
        Assert.DoesNotContain(batch, input => input.Job == cancelled);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void The_oldest_waiting_input_is_always_in_the_next_batch()
    {
        var random = new Random(8);
        var queue = new PendingInputs(4, 256);
        var arrivals = new List<PendingInput>();
        for (var round = 0; round < 500; round++)
        {
            for (var i = random.Next(0, 4); i > 0; i--)
            {
                var input = Input(random.Next(1, 65));
                queue.Add(input);
                arrivals.Add(input);
            }

            var batch = queue.TakeBatch();
            if (arrivals.Count > 0)
            {
                Assert.Contains(arrivals[0], batch);
            }

            Assert.InRange(batch.Count, arrivals.Count > 0 ? 1 : 0, 4);
            Assert.InRange(batch.Count == 0 ? 0 : batch.Count * batch.Max(input => input.Length), 0, 256);
            arrivals.RemoveAll(batch.Contains);
        }
    }

    [Fact]
    public void A_full_batch_is_waiting_once_the_input_or_token_cap_is_reached()
    {
        Assert.False(Queue(3, 100, 10, 10).CanFillBatch);
        Assert.True(Queue(3, 100, 10, 10, 10).CanFillBatch);
        Assert.True(Queue(3, 100, 60, 40).CanFillBatch);
    }
}
