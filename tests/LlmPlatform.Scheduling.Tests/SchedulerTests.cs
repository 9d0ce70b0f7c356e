namespace LlmPlatform.Scheduling.Tests;

public sealed class SchedulerTests
{
    private static Scheduler NewScheduler(
        int numBlocks = 64, int blockSize = 4, int maxNumSeqs = 256, int budget = 8192, int maxModelLen = 128, bool caching = true) =>
        new(new SchedulerOptions(numBlocks, maxModelLen, blockSize, maxNumSeqs, budget, caching), [Fakes.Eos]);

    [Fact]
    public void A_long_prompt_is_prefilled_in_chunks_within_the_token_budget()
    {
        var scheduler = NewScheduler(budget: 16);
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 40)));

        var chunks = new List<(int Start, int Count, bool Samples)>();
        for (var step = 0; step < 3; step++)
        {
            var batch = scheduler.Schedule();
            var item = Assert.Single(batch.Sequences);
            chunks.Add((item.StartPosition, item.NumNewTokens, item.SamplesToken));
            scheduler.Postprocess(batch, item.SamplesToken ? [42] : []);
        }

        Assert.Equal([(0, 16, false), (16, 16, false), (32, 8, true)], chunks);
        Assert.Equal([42], scheduler.Running[0].OutputTokenIds);
    }

    [Fact]
    public void Running_decodes_are_scheduled_before_prefill_chunks()
    {
        var scheduler = NewScheduler(budget: 8);
        var model = new FakeModel(scheduler.BlockManager);
        var decoding = Fakes.Sequence(1, Fakes.Tokens(1, 4));
        scheduler.Add(decoding);
        Step(scheduler, model);
        var prefilling = Fakes.Sequence(2, Fakes.Tokens(2, 30));
        scheduler.Add(prefilling);
        Step(scheduler, model);
        scheduler.Add(Fakes.Sequence(3, Fakes.Tokens(3, 5)));

        var batch = scheduler.Schedule();

        Assert.Equal([1L, 2L], batch.Sequences.Select(s => s.Sequence.Id));
        Assert.Equal([1, 7], batch.Sequences.Select(s => s.NumNewTokens));
        Assert.Equal(8, batch.NumBatchedTokens);
    }

    [Fact]
    public void At_most_max_num_seqs_run_at_once()
    {
        var scheduler = NewScheduler(maxNumSeqs: 3);
        for (var id = 0; id < 5; id++)
            scheduler.Add(Fakes.Sequence(id, Fakes.Tokens(id, 4)));

        var batch = scheduler.Schedule();

        Assert.Equal(3, batch.Sequences.Count);
        Assert.Equal(3, scheduler.NumRunning);
        Assert.Equal(2, scheduler.NumWaiting);
    }

    [Fact]
    public void A_waiting_request_is_admitted_only_when_its_blocks_are_free()
    {
        var scheduler = NewScheduler(numBlocks: 8, maxModelLen: 32);
        var model = new FakeModel(scheduler.BlockManager);
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 20), maxTokens: 2));
        scheduler.Add(Fakes.Sequence(2, Fakes.Tokens(2, 20), maxTokens: 2));

        var first = scheduler.Schedule();
        Assert.Equal([1L], first.Sequences.Select(s => s.Sequence.Id));
        scheduler.Postprocess(first, model.Run(first));
        Step(scheduler, model);

        var next = scheduler.Schedule();
        Assert.Equal([2L], next.Sequences.Select(s => s.Sequence.Id));
    }

    [Fact]
    public void Lower_priority_value_is_admitted_first_then_arrival_order()
    {
        var scheduler = NewScheduler(maxNumSeqs: 1);
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 4), priority: 1));
        scheduler.Add(Fakes.Sequence(2, Fakes.Tokens(2, 4), priority: 0));
        scheduler.Add(Fakes.Sequence(3, Fakes.Tokens(3, 4), priority: 0));
        scheduler.Add(Fakes.Sequence(4, Fakes.Tokens(4, 4), priority: -1));

        var order = new List<long>();
        while (scheduler.HasUnfinished)
        {
            var batch = scheduler.Schedule();
            order.Add(batch.Sequences.Single().Sequence.Id);
            scheduler.Abort(batch.Sequences.Single().Sequence.Id);
        }

        Assert.Equal([4L, 2L, 3L, 1L], order);
    }

    [Fact]
    public void Running_out_of_blocks_preempts_the_latest_arrival_which_later_recomputes_prompt_and_output()
    {
        // 4 blocks of 4 tokens: two sequences of 6 prompt tokens fit (2 blocks each) until one needs a third.
        var scheduler = NewScheduler(numBlocks: 4, maxModelLen: 16);
        var model = new FakeModel(scheduler.BlockManager);
        var early = Fakes.Sequence(1, Fakes.Tokens(1, 6), maxTokens: 5);
        var late = Fakes.Sequence(2, Fakes.Tokens(2, 6), maxTokens: 5);
        scheduler.Add(early);
        scheduler.Add(late);
        Step(scheduler, model);
        Step(scheduler, model);
        Step(scheduler, model);

        var batch = scheduler.Schedule();

        Assert.Same(late, Assert.Single(batch.Preempted));
        Assert.Equal(SequenceStatus.Preempted, late.Status);
        Assert.Empty(late.BlockTable);
        Assert.Equal(0, late.NumComputedTokens);
        Assert.Equal(3, late.NumOutputTokens);
        Assert.Equal(1, scheduler.NumPreemptions);
        Assert.Equal([1L], batch.Sequences.Select(s => s.Sequence.Id));
        scheduler.Postprocess(batch, model.Run(batch));

        while (!early.IsFinished)
            Step(scheduler, model);
        var readmitted = scheduler.Schedule();

        var item = Assert.Single(readmitted.Sequences);
        Assert.Same(late, item.Sequence);
        Assert.Equal(late.NumTokens, item.StartPosition + item.NumNewTokens);
        Assert.Equal(4, item.StartPosition);
        Assert.True(item.SamplesToken);
    }

    [Fact]
    public void Preemption_takes_the_lowest_priority_running_sequence()
    {
        var scheduler = NewScheduler(numBlocks: 4, maxModelLen: 16);
        var model = new FakeModel(scheduler.BlockManager);
        var important = Fakes.Sequence(1, Fakes.Tokens(1, 6), priority: 0);
        var background = Fakes.Sequence(2, Fakes.Tokens(2, 6), priority: 5);
        scheduler.Add(background);
        Step(scheduler, model);
        scheduler.Add(important);
        Step(scheduler, model);
        Step(scheduler, model);

        var batch = scheduler.Schedule();

        Assert.Same(background, Assert.Single(batch.Preempted));
        Assert.Equal(SequenceStatus.Running, important.Status);
    }

    [Fact]
    public void Nothing_new_is_admitted_in_a_step_that_preempts()
    {
        var scheduler = NewScheduler(numBlocks: 4, maxModelLen: 16);
        var model = new FakeModel(scheduler.BlockManager);
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 6)));
        scheduler.Add(Fakes.Sequence(2, Fakes.Tokens(2, 6)));
        Step(scheduler, model);
        Step(scheduler, model);
        scheduler.Add(Fakes.Sequence(3, Fakes.Tokens(3, 1)));
        Step(scheduler, model);

        var batch = scheduler.Schedule();

        Assert.NotEmpty(batch.Preempted);
        Assert.DoesNotContain(batch.Sequences, s => s.Sequence.Id == 3);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Preempted_requests_finish_with_the_same_greedy_output(bool caching)
    {
        Dictionary<long, int[]> Run(int numBlocks, out long preemptions)
        {
            var scheduler = NewScheduler(numBlocks: numBlocks, maxModelLen: 64, budget: 32, caching: caching);
            var sequences = Enumerable.Range(0, 12)
                .Select(i => Fakes.Sequence(i, Fakes.Tokens(i, 5 + 3 * i), maxTokens: 20 + i))
                .ToList();
            sequences.ForEach(scheduler.Add);
            var outputs = Fakes.RunToCompletion(scheduler, new FakeModel(scheduler.BlockManager), sequences);
            preemptions = scheduler.NumPreemptions;
            Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
            return outputs;
        }

        var alone = Run(numBlocks: 1000, out var none);
        var squeezed = Run(numBlocks: 16, out var preemptions);

        Assert.Equal(0, none);
        Assert.True(preemptions > 0);
        Assert.Equal(alone, squeezed);
    }

    [Fact]
    public void A_second_request_with_the_same_prefix_computes_only_its_new_tokens_and_reports_them_cached()
    {
        var scheduler = NewScheduler();
        var model = new FakeModel(scheduler.BlockManager);
        var system = Fakes.Tokens(1, 20);
        var first = Fakes.Sequence(1, [.. system, .. Fakes.Tokens(2, 3)], maxTokens: 2);
        scheduler.Add(first);
        Fakes.RunToCompletion(scheduler, model, [first]);
        var second = Fakes.Sequence(2, [.. system, .. Fakes.Tokens(3, 7)], maxTokens: 2);
        scheduler.Add(second);

        var batch = scheduler.Schedule();

        var item = Assert.Single(batch.Sequences);
        Assert.Equal(20, second.NumCachedTokens);
        Assert.Equal(20, item.StartPosition);
        Assert.Equal(7, item.NumNewTokens);
        Assert.Equal(0, first.NumCachedTokens);
    }

    [Fact]
    public void Siblings_share_the_prompt_blocks_their_leader_computed()
    {
        var scheduler = NewScheduler();
        var model = new FakeModel(scheduler.BlockManager);
        var leader = Fakes.Sequence(1, Fakes.Tokens(1, 18), maxTokens: 4);
        var siblings = new[] { leader.CreateSibling(2), leader.CreateSibling(3) };
        scheduler.Add(leader);
        foreach (var sibling in siblings)
            scheduler.Add(sibling);

        var first = scheduler.Schedule();
        Assert.Equal([1L], first.Sequences.Select(s => s.Sequence.Id));
        scheduler.Postprocess(first, model.Run(first));
        var second = scheduler.Schedule();
        scheduler.Postprocess(second, model.Run(second));

        Assert.Equal([1L, 2L, 3L], second.Sequences.Select(s => s.Sequence.Id));
        Assert.All(siblings, s => Assert.Equal(16, s.NumCachedTokens));
        Assert.All(siblings, s => Assert.Equal(leader.BlockTable.Take(4), s.BlockTable.Take(4)));
        Assert.Equal(3, scheduler.BlockManager.RefCount(leader.BlockTable[0]));
        Assert.Equal(leader.OutputTokenIds.First(), siblings[0].OutputTokenIds.Single());
    }

    [Fact]
    public void Abort_frees_a_running_sequences_blocks_at_once()
    {
        var scheduler = NewScheduler();
        var sequence = Fakes.Sequence(1, Fakes.Tokens(1, 10));
        scheduler.Add(sequence);
        scheduler.Schedule();

        Assert.True(scheduler.Abort(1));

        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
        Assert.Equal(FinishReason.Abort, sequence.FinishReason);
        Assert.Equal(0, scheduler.NumRunning);
        Assert.False(scheduler.HasUnfinished);
        Assert.False(scheduler.Abort(1));
    }

    [Fact]
    public void Abort_removes_a_waiting_sequence()
    {
        var scheduler = NewScheduler();
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 10)));

        Assert.True(scheduler.Abort(1));

        Assert.Equal(0, scheduler.NumWaiting);
        Assert.True(scheduler.Schedule().IsEmpty);
    }

    [Fact]
    public void A_sequence_aborted_between_schedule_and_postprocess_is_skipped()
    {
        var scheduler = NewScheduler();
        var kept = Fakes.Sequence(1, Fakes.Tokens(1, 5));
        var aborted = Fakes.Sequence(2, Fakes.Tokens(2, 5));
        scheduler.Add(kept);
        scheduler.Add(aborted);
        var batch = scheduler.Schedule();

        scheduler.Abort(2);
        scheduler.Postprocess(batch, [11, 12]);

        Assert.Equal([11], kept.OutputTokenIds);
        Assert.Empty(aborted.OutputTokenIds);
        Assert.Empty(aborted.BlockTable);
    }

    [Fact]
    public void The_engine_finishes_a_sequence_that_hit_a_stop_string()
    {
        var scheduler = NewScheduler();
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 5)));
        scheduler.Postprocess(scheduler.Schedule(), [11]);

        Assert.True(scheduler.Finish(1, FinishReason.Stop));

        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
        Assert.False(scheduler.HasUnfinished);
    }

    [Fact]
    public void Postprocess_returns_finished_sequences_with_their_blocks_freed()
    {
        var scheduler = NewScheduler();
        var sequence = Fakes.Sequence(1, Fakes.Tokens(1, 5), maxTokens: 1);
        scheduler.Add(sequence);

        var finished = scheduler.Postprocess(scheduler.Schedule(), [11]);

        Assert.Same(sequence, Assert.Single(finished));
        Assert.Equal(FinishReason.Length, sequence.FinishReason);
        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
    }

    [Fact]
    public void Postprocess_needs_one_token_per_sampling_sequence()
    {
        var scheduler = NewScheduler();
        scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 5)));
        var batch = scheduler.Schedule();

        Assert.Throws<ArgumentException>(() => scheduler.Postprocess(batch, [1, 2]));
        scheduler.Postprocess(batch, [1]);
        Assert.Throws<InvalidOperationException>(() => scheduler.Postprocess(batch, [1]));
    }

    [Fact]
    public void Add_refuses_prompts_longer_than_the_context_and_reused_ids()
    {
        var scheduler = NewScheduler(maxModelLen: 8);

        Assert.Throws<ArgumentException>(() => scheduler.Add(Fakes.Sequence(1, Fakes.Tokens(1, 9))));
        scheduler.Add(Fakes.Sequence(2, Fakes.Tokens(2, 8)));
        Assert.Throws<ArgumentException>(() => scheduler.Add(Fakes.Sequence(2, Fakes.Tokens(3, 4))));
    }

    [Fact]
    public void Add_refuses_a_sibling_whose_leader_was_never_added()
    {
        var scheduler = NewScheduler();
        var leader = Fakes.Sequence(1, Fakes.Tokens(1, 8));

        Assert.Throws<ArgumentException>(() => scheduler.Add(leader.CreateSibling(2)));
    }

    [Fact]
    public void A_prompt_as_long_as_the_context_yields_one_token_then_stops_for_length()
    {
        var scheduler = NewScheduler(maxModelLen: 8);
        var sequence = Fakes.Sequence(1, Fakes.Tokens(1, 8));
        scheduler.Add(sequence);

        scheduler.Postprocess(scheduler.Schedule(), [11]);

        Assert.Equal(FinishReason.Length, sequence.FinishReason);
    }

    private static void Step(Scheduler scheduler, FakeModel model)
    {
        var batch = scheduler.Schedule();
        scheduler.Postprocess(batch, model.Run(batch));
    }
}
