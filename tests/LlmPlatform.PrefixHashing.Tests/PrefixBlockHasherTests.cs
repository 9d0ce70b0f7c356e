using System.Text;

namespace LlmPlatform.PrefixHashing.Tests;

public sealed class PrefixBlockHasherTests
{
    private const int BlockSize = 16;
    private static readonly PrefixHashSeed Seed = new("model", "tenant-a");

    [Fact]
    public void The_worked_example_in_the_contract_holds()
    {
        var seed = new PrefixHashSeed("m", "t");

        var hashes = PrefixBlockHasher.HashPrompt(seed, [1, 2, 3, 4], blockSize: 4);

        Assert.Equal("573ad9570d0f2a282c9dd2f2531bfc27", seed.Root.ToString());
        Assert.Equal("d5aef17148779780b7b13bb3f6c9e582", Assert.Single(hashes).ToString());
    }

    [Fact]
    public void Partial_trailing_block_produces_no_hash()
    {
        for (var length = 0; length < 5 * BlockSize; length++)
            Assert.Equal(length / BlockSize, PrefixBlockHasher.HashPrompt(Seed, RandomTokens(length, length), BlockSize).Length);
    }

    [Fact]
    public void A_prompt_shares_its_first_block_hashes_with_any_longer_prompt_sharing_those_blocks()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var shared = random.Next(0, 6);
            var prefix = RandomTokens(trial, shared * BlockSize);
            var longer = prefix.Concat(RandomTokens(trial + 1000, random.Next(0, 4 * BlockSize))).ToArray();

            var prefixHashes = PrefixBlockHasher.HashPrompt(Seed, prefix, BlockSize);
            var longerHashes = PrefixBlockHasher.HashPrompt(Seed, longer, BlockSize);

            Assert.Equal(prefixHashes, longerHashes.Take(shared));
        }
    }

    [Fact]
    public void Changing_any_token_changes_its_block_hash_and_every_later_one_but_no_earlier_one()
    {
        var tokens = RandomTokens(1, 4 * BlockSize);
        var original = PrefixBlockHasher.HashPrompt(Seed, tokens, BlockSize);
        for (var position = 0; position < tokens.Length; position++)
        {
            var changed = (int[])tokens.Clone();
            changed[position]++;

            var hashes = PrefixBlockHasher.HashPrompt(Seed, changed, BlockSize);

            var block = position / BlockSize;
            Assert.Equal(original.Take(block), hashes.Take(block));
            for (var later = block; later < hashes.Length; later++)
                Assert.NotEqual(original[later], hashes[later]);
        }
    }

    [Theory]
    [InlineData("other-model", "tenant-a", null)]
    [InlineData("model", "tenant-b", null)]
    [InlineData("model", "", null)]
    [InlineData("model", "tenant-a", "adapter")]
    public void Hashes_differ_when_model_salt_or_adapter_differ(string modelId, string salt, string? adapter)
    {
        var tokens = RandomTokens(2, 3 * BlockSize);

        var other = PrefixBlockHasher.HashPrompt(new PrefixHashSeed(modelId, salt, adapter), tokens, BlockSize);

        Assert.Empty(other.Intersect(PrefixBlockHasher.HashPrompt(Seed, tokens, BlockSize)));
    }

    [Fact]
    public void No_adapter_and_the_empty_adapter_are_the_same_seed()
    {
        Assert.Equal(new PrefixHashSeed("model", "salt", null).Root, new PrefixHashSeed("model", "salt", "").Root);
    }

    [Fact]
    public void Seed_fields_are_length_prefixed_so_moving_a_boundary_changes_the_root()
    {
        Assert.NotEqual(new PrefixHashSeed("ab", "c").Root, new PrefixHashSeed("a", "bc").Root);
        Assert.NotEqual(new PrefixHashSeed("m", "a", "b").Root, new PrefixHashSeed("m", "ab").Root);
    }

    [Fact]
    public void Extra_bytes_change_the_hash()
    {
        var tokens = RandomTokens(3, BlockSize);

        var plain = PrefixBlockHasher.Hash(Seed.Root, tokens);
        var withExtra = PrefixBlockHasher.Hash(Seed.Root, tokens, [1]);
        var withOtherExtra = PrefixBlockHasher.Hash(Seed.Root, tokens, [2]);

        Assert.Equal(3, new[] { plain, withExtra, withOtherExtra }.Distinct().Count());
    }

    [Fact]
    public void An_image_changes_exactly_the_blocks_its_placeholders_overlap_and_those_after()
    {
        var tokens = Enumerable.Repeat(7, 5 * BlockSize).ToArray();
        ImagePlaceholder Image(byte content) => new(BlockSize + 8, BlockSize, Enumerable.Repeat(content, 32).ToArray());

        var first = PrefixBlockHasher.HashPrompt(Seed, tokens, BlockSize, [Image(1)]);
        var second = PrefixBlockHasher.HashPrompt(Seed, tokens, BlockSize, [Image(2)]);

        Assert.Equal(first[0], second[0]);
        Assert.All(Enumerable.Range(1, 4), i => Assert.NotEqual(first[i], second[i]));
        Assert.Empty(PrefixBlockHasher.BlockExtra([Image(1)], 0, BlockSize));
        Assert.NotEmpty(PrefixBlockHasher.BlockExtra([Image(1)], 1, BlockSize));
        Assert.NotEmpty(PrefixBlockHasher.BlockExtra([Image(1)], 2, BlockSize));
        Assert.Empty(PrefixBlockHasher.BlockExtra([Image(1)], 3, BlockSize));
    }

    [Fact]
    public void Image_extras_do_not_depend_on_the_order_images_are_listed()
    {
        var a = new ImagePlaceholder(0, 8, new byte[] { 1, 2, 3 });
        var b = new ImagePlaceholder(8, 8, new byte[] { 4, 5, 6 });

        Assert.Equal(PrefixBlockHasher.BlockExtra([a, b], 0, BlockSize), PrefixBlockHasher.BlockExtra([b, a], 0, BlockSize));
    }

    [Fact]
    public void Block_hash_round_trips_through_its_hex_and_byte_forms()
    {
        var hash = PrefixBlockHasher.Hash(Seed.Root, RandomTokens(4, BlockSize));
        var bytes = new byte[BlockHash.Size];

        hash.WriteTo(bytes);

        Assert.Equal(hash, BlockHash.Parse(hash.ToString()));
        Assert.Equal(hash, BlockHash.FromBytes(bytes));
        Assert.Equal(Convert.ToHexStringLower(bytes), hash.ToString());
        Assert.Throws<FormatException>(() => BlockHash.Parse("abc"));
    }

    [Fact]
    public void A_lone_surrogate_in_a_seed_field_is_refused_rather_than_replaced()
    {
        Assert.Throws<EncoderFallbackException>(() => new PrefixHashSeed("model", "\ud800"));
    }

    private static int[] RandomTokens(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(0, 150_000)).ToArray();
    }
}
