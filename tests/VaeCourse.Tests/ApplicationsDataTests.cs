using TorchSharp;
using VaeCourse.Data;
using VaeCourse.Evaluation;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

/// <summary>Tests of the applications notebook's library parts: ImplicitFeedback, Ranking, Neighbours, Vae.Mult, TopicCorpus.</summary>
public class ApplicationsDataTests
{
    public ApplicationsDataTests() => Course.Setup(seed: 11);

    private static float[] Values(Tensor t) => t.detach().cpu().to(float32).contiguous().data<float>().ToArray();

    // ---------------------------------------------------------------- ImplicitFeedback

    [Fact]
    public void ImplicitFeedbackIsDeterministicForASeedAndDiffersAcrossSeeds()
    {
        var a = ImplicitFeedback.Generate(users: 50, items: 80, tastes: 4, minClicks: 5, maxClicks: 20, seed: 3);
        var b = ImplicitFeedback.Generate(users: 50, items: 80, tastes: 4, minClicks: 5, maxClicks: 20, seed: 3);
        var c = ImplicitFeedback.Generate(users: 50, items: 80, tastes: 4, minClicks: 5, maxClicks: 20, seed: 4);
        Assert.True(a.Clicks.allclose(b.Clicks, 0, 0));
        Assert.True(a.Logits.allclose(b.Logits, 0, 0));
        Assert.Equal(a.UserTaste, b.UserTaste);
        Assert.False(a.Clicks.allclose(c.Clicks, 0, 0));
    }

    [Fact]
    public void ImplicitFeedbackHasTheDocumentedShapesAndCounts()
    {
        var data = ImplicitFeedback.Generate(users: 120, items: 90, tastes: 6, minClicks: 7, maxClicks: 15, seed: 1);
        Assert.Equal(new long[] { 120, 90 }, data.Clicks.shape);
        Assert.Equal(new long[] { 120, 90 }, data.Logits.shape);
        Assert.Equal(ScalarType.Float32, data.Clicks.dtype);
        Assert.Equal(120, data.Users);
        Assert.Equal(90, data.Items);
        Assert.Equal(6, data.Tastes);
        Assert.All(Values(data.Clicks), v => Assert.True(v == 0f || v == 1f));
        var perUser = Values(data.Clicks.sum(dim: 1));
        Assert.All(perUser, n => Assert.InRange(n, 7, 15));
        Assert.True(perUser.Distinct().Count() > 3, "click counts should vary across users");
        Assert.All(data.UserTaste, t => Assert.InRange(t, 0, 5));
        Assert.Equal(Enumerable.Range(0, 90).Select(i => i % 6), data.ItemTaste);
        Assert.Equal(0.0, data.LogPopularity.Max(), 12);                    // rank 1 has log-popularity 0
        Assert.Equal(-Math.Log(90), data.LogPopularity.Min(), 9);            // rank 90 has -ln 90 (skew 1)
        Assert.Equal(data.UserTaste.Select(t => (long)t), data.TasteLabels().data<long>().ToArray());
    }

    [Fact]
    public void ClicksFollowTheUsersTasteAndThePopularity()
    {
        var data = ImplicitFeedback.Generate(users: 800, items: 400, tastes: 8, seed: 2);
        var clicks = Values(data.Clicks);
        long own = 0, all = 0;
        for (int u = 0; u < data.Users; u++)
            for (int i = 0; i < data.Items; i++)
                if (clicks[u * data.Items + i] == 1f) { all++; if (data.ItemTaste[i] == data.UserTaste[u]) own++; }
        Assert.True((double)own / all > 0.5, $"only {(double)own / all:P0} of clicks are on the user's own taste (1/8 by chance)");
        // The more popular half of the items gets more clicks than the less popular half.
        var perItem = Values(data.Clicks.sum(dim: 0));
        var byPopularity = Enumerable.Range(0, data.Items).OrderByDescending(i => data.LogPopularity[i]).ToArray();
        double popular = byPopularity.Take(200).Sum(i => perItem[i]), rare = byPopularity.Skip(200).Sum(i => perItem[i]);
        Assert.True(popular > 2 * rare, $"popular half {popular} vs rare half {rare}");
        // Without popularity skew every item is equally popular.
        Assert.All(ImplicitFeedback.Generate(users: 5, items: 30, tastes: 2, minClicks: 2, maxClicks: 4, popularitySkew: 0).LogPopularity, b => Assert.Equal(0.0, b));
    }

    [Fact]
    public void ImplicitFeedbackRejectsBadSettingsNamingThem()
    {
        void Expect(string name, string text, Action act)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(act);
            Assert.Equal(name, e.ParamName);
            Assert.Contains(text, e.Message);
        }
        Expect("users", "users must be at least 1", () => ImplicitFeedback.Generate(users: 0));
        Expect("items", "items must be at least 1", () => ImplicitFeedback.Generate(items: 0));
        Expect("tastes", "tastes must be at least 1", () => ImplicitFeedback.Generate(tastes: 0));
        Expect("minClicks", "minClicks must be at least 1", () => ImplicitFeedback.Generate(minClicks: 0));
        Expect("maxClicks", "at least minClicks (10)", () => ImplicitFeedback.Generate(minClicks: 10, maxClicks: 9));
        Expect("maxClicks", "at most items (30)", () => ImplicitFeedback.Generate(items: 30, maxClicks: 31));
        Expect("temperature", "temperature must be a positive finite number", () => ImplicitFeedback.Generate(temperature: 0));
        Expect("popularitySkew", "popularitySkew must be a finite number, 0 or more", () => ImplicitFeedback.Generate(popularitySkew: -1));
        Expect("noise", "noise must be a finite number, 0 or more", () => ImplicitFeedback.Generate(noise: double.NaN));
    }

    [Fact]
    public void SplitClicksHoldsOutAFifthOfEachUsersClicksDisjointly()
    {
        var data = ImplicitFeedback.Generate(users: 60, items: 100, tastes: 3, minClicks: 5, maxClicks: 40, seed: 5);
        var (foldIn, heldOut) = ImplicitFeedback.SplitClicks(data.Clicks, 0.2, seed: 9);
        Assert.True((foldIn + heldOut).allclose(data.Clicks, 0, 0));
        Assert.Equal(0f, (foldIn * heldOut).sum().item<float>());
        var total = Values(data.Clicks.sum(dim: 1));
        var held = Values(heldOut.sum(dim: 1));
        for (int u = 0; u < total.Length; u++)
            Assert.Equal(Math.Round(0.2 * total[u], MidpointRounding.AwayFromZero), held[u]);
        var (again, _) = ImplicitFeedback.SplitClicks(data.Clicks, 0.2, seed: 9);
        Assert.True(again.allclose(foldIn, 0, 0));
        var (other, _) = ImplicitFeedback.SplitClicks(data.Clicks, 0.2, seed: 10);
        Assert.False(other.allclose(foldIn, 0, 0));
    }

    [Fact]
    public void SplitClicksKeepsAtLeastOneOnEachSideAndLeavesSingleClicksFoldedIn()
    {
        var clicks = tensor(new float[] { 1, 0, 0, 0,   1, 1, 0, 0,   1, 1, 1, 1,   0, 0, 0, 0 }, new long[] { 4, 4 });
        var (foldIn, heldOut) = ImplicitFeedback.SplitClicks(clicks, 0.01, seed: 0);
        Assert.Equal(new float[] { 1, 1, 3, 0 }, Values(foldIn.sum(dim: 1)));  // 0.01 rounds to 0, raised to 1 when there are 2 or more
        Assert.Equal(new float[] { 0, 1, 1, 0 }, Values(heldOut.sum(dim: 1)));
        var (_, most) = ImplicitFeedback.SplitClicks(clicks, 0.99, seed: 0);
        Assert.Equal(new float[] { 0, 1, 3, 0 }, Values(most.sum(dim: 1)));      // never all of a user's clicks
    }

    [Fact]
    public void SplitClicksRejectsBadInputWithTheReason()
    {
        var clicks = ones(3, 4);
        Assert.Equal("heldOutFraction", Assert.Throws<ArgumentOutOfRangeException>(() => ImplicitFeedback.SplitClicks(clicks, 0)).ParamName);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentOutOfRangeException>(() => ImplicitFeedback.SplitClicks(clicks, 1)).Message);
        Assert.Contains("only 0 and 1", Assert.Throws<ArgumentException>(() => ImplicitFeedback.SplitClicks(clicks * 2)).Message);
        Assert.Contains("[users, items]", Assert.Throws<ArgumentException>(() => ImplicitFeedback.SplitClicks(ones(4))).Message);
    }

    // ---------------------------------------------------------------- Ranking

    private static Tensor Row(params float[] v) => tensor(v, new long[] { 1, v.Length });

    [Fact]
    public void RecallAndNdcgMatchHandComputedValues()
    {
        var scores = Row(0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f);   // ranking: items 0, 1, 2, 3, 4, 5
        var heldOut = Row(0, 1, 0, 0, 1, 0);                     // relevant: items 1 and 4
        // Top 3 = {0, 1, 2}: one hit at rank 2. Recall = 1 / min(3, 2); DCG = 1/log2(3); ideal = 1 + 1/log2(3).
        Assert.Equal(0.5, Ranking.RecallAt(scores, heldOut, 3), 12);
        Assert.Equal((1 / Math.Log2(3)) / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 3), 12);
        // Top 5 finds both: recall 1; DCG = 1/log2(3) + 1/log2(6).
        Assert.Equal(1.0, Ranking.RecallAt(scores, heldOut, 5), 12);
        Assert.Equal((1 / Math.Log2(3) + 1 / Math.Log2(6)) / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 5), 12);
        // k = 1: the top item is not relevant.
        Assert.Equal(0.0, Ranking.RecallAt(scores, heldOut, 1), 12);
        Assert.Equal(0.0, Ranking.NdcgAt(scores, heldOut, 1), 12);
    }

    [Fact]
    public void ExcludedItemsCannotTakeAPlaceInTheTopK()
    {
        var scores = Row(0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f);
        var heldOut = Row(0, 1, 0, 0, 1, 0);
        var foldIn = Row(1, 0, 1, 0, 0, 0);                      // items 0 and 2 were shown to the model
        // Ranking without them: 1, 3, 4, 5. Top 2 = {1, 3}: one hit at rank 1.
        Assert.Equal(0.5, Ranking.RecallAt(scores, heldOut, 2, foldIn), 12);
        Assert.Equal(1 / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 2, foldIn), 12);
        // Top 3 = {1, 3, 4}: both found.
        Assert.Equal(1.0, Ranking.RecallAt(scores, heldOut, 3, foldIn), 12);
        Assert.Equal((1 + 1 / Math.Log2(4)) / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 3, foldIn), 12);
    }

    [Fact]
    public void RecallIsNormalisedByTheSmallerOfKAndTheHeldOutCount()
    {
        var scores = Row(5, 4, 3, 2, 1);
        var heldOut = Row(1, 1, 1, 0, 0);                        // 3 relevant, k = 2: a perfect list finds 2 of 3
        Assert.Equal(1.0, Ranking.RecallAt(scores, heldOut, 2), 12);
        Assert.Equal(1.0, Ranking.NdcgAt(scores, heldOut, 2), 12);
        Assert.Equal(1.0, Ranking.NdcgAt(scores, heldOut, 5), 12);
    }

    [Fact]
    public void MetricsAverageOverUsersAndSkipUsersWithNothingHeldOut()
    {
        var scores = tensor(new float[] { 3, 2, 1,   3, 2, 1,   3, 2, 1 }, new long[] { 3, 3 });
        var heldOut = tensor(new float[] { 1, 0, 0,   0, 0, 1,   0, 0, 0 }, new long[] { 3, 3 });
        Assert.Equal(new[] { 1.0, 0.0, double.NaN }, Ranking.RecallPerUser(scores, heldOut, 1));
        Assert.Equal(0.5, Ranking.RecallAt(scores, heldOut, 1), 12);      // (1 + 0) / 2: the third user has nothing to find
        var ndcg = Ranking.NdcgPerUser(scores, heldOut, 3);
        Assert.Equal(1.0, ndcg[0], 12);
        Assert.Equal(1 / Math.Log2(4), ndcg[1], 12);
        Assert.True(double.IsNaN(ndcg[2]));
    }

    [Fact]
    public void RankingRejectsBadInputWithTheReason()
    {
        var scores = Row(1, 2, 3);
        var heldOut = Row(1, 0, 0);
        var k0 = Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.RecallAt(scores, heldOut, 0));
        Assert.Equal("k", k0.ParamName);
        Assert.Contains("between 1 and the number of items (3)", k0.Message);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.NdcgAt(scores, heldOut, 4)).ParamName);
        Assert.Contains("same shape", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(scores, Row(1, 0), 1)).Message);
        Assert.Contains("same shape", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(scores, heldOut, 1, Row(1, 0))).Message);
        Assert.Contains("[users, items]", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(ones(3), ones(3), 1)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(Row(1, float.NaN, 3), heldOut, 1)).Message);
        var overlap = Assert.Throws<ArgumentException>(() => Ranking.RecallAt(scores, heldOut, 1, Row(1, 0, 0)));
        Assert.Contains("overlap (user 0, item 0", overlap.Message);
        Assert.Contains("No user has a held-out item", Assert.Throws<ArgumentException>(() => Ranking.NdcgAt(scores, Row(0, 0, 0), 1)).Message);
    }

    // ---------------------------------------------------------------- Neighbours

    [Fact]
    public void NearestNeighboursAreSortedAndLeaveTheQueryOut()
    {
        var codes = tensor(new float[] { 0, 1, 3, 10, 0.5f }, new long[] { 5, 1 });
        Assert.Equal(new[] { 4, 1 }, Neighbours.Nearest(codes, 0, 2));
        Assert.Equal(new[] { 2, 1, 4, 0 }, Neighbours.Nearest(codes, 3, 4));
    }

    [Fact]
    public void PurityCountsNeighboursThatShareALabel()
    {
        // Two tight clusters far apart: every neighbour within k = 2 shares the label.
        var codes = tensor(new float[] { 0, 0, 0.1f, 0, 0, 0.1f, 10, 10, 10.1f, 10, 10, 10.1f }, new long[] { 6, 2 });
        var labels = new[] { 0, 0, 0, 1, 1, 1 };
        Assert.Equal(1.0, Neighbours.Purity(codes, labels, 2), 12);
        // With k = 3 each point has 2 of 3 neighbours in its own cluster.
        Assert.Equal(2.0 / 3.0, Neighbours.Purity(codes, labels, 3, batchSize: 4), 12);
        // Labels unrelated to the geometry: each point's 2 nearest are its cluster mates, labelled 0,1,0 / 1,0,1.
        var mixed = new[] { 0, 1, 0, 1, 0, 1 };
        Assert.Equal((0.5 + 0 + 0.5 + 0.5 + 0 + 0.5) / 6, Neighbours.Purity(codes, mixed, 2), 12);
        Assert.Equal(Neighbours.Purity(codes, mixed, 2), Neighbours.Purity(codes, 2, (a, b) => mixed[a] == mixed[b]), 12);
    }

    [Fact]
    public void BaseRateIsTheFractionOfRelatedPairs()
    {
        var labels = new[] { 0, 0, 1, 1 };                       // related ordered pairs: (0,1), (1,0), (2,3), (3,2) of 12
        Assert.Equal(1.0 / 3.0, Neighbours.BaseRate(4, (a, b) => labels[a] == labels[b]), 12);
        Assert.Equal(1.0, Neighbours.BaseRate(3, (_, _) => true), 12);
    }

    [Fact]
    public void NeighboursRejectBadInputWithTheReason()
    {
        var codes = randn(5, 2);
        Assert.Contains("between 1 and the number of other examples (4)", Assert.Throws<ArgumentOutOfRangeException>(() => Neighbours.Nearest(codes, 0, 5)).Message);
        Assert.Equal("query", Assert.Throws<ArgumentOutOfRangeException>(() => Neighbours.Nearest(codes, 5, 1)).ParamName);
        Assert.Contains("one label per row", Assert.Throws<ArgumentException>(() => Neighbours.Purity(codes, new[] { 0, 1 }, 1)).Message);
        Assert.Contains("at least 2 examples", Assert.Throws<ArgumentException>(() => Neighbours.Purity(randn(1, 2), 1, (_, _) => true)).Message);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => Neighbours.BaseRate(1, (_, _) => true)).ParamName);
    }

    // ---------------------------------------------------------------- Vae.Mult

    [Fact]
    public void MultVaeNormalisesItsInputAndDropsOutOnlyWhileTraining()
    {
        manual_seed(0);
        var vae = Vae.Mult(items: 40, hidden: 16, latentSize: 4);
        Assert.Equal(40, vae.InputSize);
        Assert.IsType<MultinomialLikelihood>(vae.Likelihood);
        var x = (rand(8, 40) > 0.7).to(float32);
        vae.eval();
        var (mu, logVar) = vae.Encode(x);
        Assert.Equal(new long[] { 8, 4 }, mu.shape);
        Assert.Equal(new long[] { 8, 4 }, logVar.shape);
        Assert.True(vae.Encode(x).Mu.allclose(mu));                       // no dropout in evaluation mode
        Assert.True(vae.Encode(3 * x).Mu.allclose(mu, 1e-5, 1e-6));        // L2 normalisation: the scale of the history does not matter
        vae.train();
        Assert.False(vae.Encode(x).Mu.allclose(vae.Encode(x).Mu));        // dropout while training
        Assert.Equal(new long[] { 8, 40 }, vae.Decode(mu).shape);
        Assert.Equal(1.0, vae.Decode(mu).sum(dim: 1).mean().item<float>(), 4); // a distribution over items
    }

    [Fact]
    public void MultVaeRejectsBadSettingsNamingThem()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mult(items: 10, dropout: 1.0));
        Assert.Equal("dropout", e.ParamName);
        Assert.Contains("[0, 1)", e.Message);
        Assert.Equal("items", Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mult(items: 0)).ParamName);
        Assert.Equal("latentSize", Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mult(items: 10, latentSize: 0)).ParamName);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void PopularityBeatsChanceAndAMultVaeBeatsPopularity()
    {
        var data = ImplicitFeedback.Generate(users: 900, items: 200, tastes: 4, minClicks: 8, maxClicks: 30, seed: 7);
        var train = data.Clicks[..700];
        var (foldIn, heldOut) = ImplicitFeedback.SplitClicks(data.Clicks[700..], 0.2, seed: 1);
        var popularity = train.sum(dim: 0).expand(200, 200);
        manual_seed(1);
        var random = rand(200, 200);
        double popularityRecall = Ranking.RecallAt(popularity, heldOut, 20, foldIn);
        double randomRecall = Ranking.RecallAt(random, heldOut, 20, foldIn);
        manual_seed(1);
        var vae = Vae.Mult(items: 200, hidden: 64, latentSize: 8);
        new Trainer(vae, new TrainerOptions { Epochs = 10, BatchSize = 50, Beta = 0.2, KlWarmupEpochs = 3, Seed = 1 }).Fit(train);
        double vaeRecall = Ranking.RecallAt(vae.Reconstruct(foldIn), heldOut, 20, foldIn);
        double oracleRecall = Ranking.RecallAt(data.Logits[700..], heldOut, 20, foldIn);
        Assert.True(popularityRecall > 1.5 * randomRecall, $"popularity {popularityRecall:F3} vs random {randomRecall:F3}");
        Assert.True(vaeRecall > 1.5 * popularityRecall, $"Mult-VAE {vaeRecall:F3} vs popularity {popularityRecall:F3}");
        Assert.True(oracleRecall > popularityRecall, $"oracle {oracleRecall:F3} vs popularity {popularityRecall:F3}");
    }

    // ---------------------------------------------------------------- TopicCorpus

    [Fact]
    public void TopicCorpusIsDeterministicForASeed()
    {
        var a = TopicCorpus.Generate(documents: 40, seed: 2);
        var b = TopicCorpus.Generate(documents: 40, seed: 2);
        var c = TopicCorpus.Generate(documents: 40, seed: 3);
        Assert.True(a.Counts.allclose(b.Counts, 0, 0));
        Assert.Equal(a.Render(7), b.Render(7));
        Assert.Equal(a.TopicsOf(7), b.TopicsOf(7));
        Assert.False(a.Counts.allclose(c.Counts, 0, 0));
    }

    [Fact]
    public void TopicCorpusHasTheDocumentedVocabularyAndShapes()
    {
        var corpus = TopicCorpus.Generate(documents: 100, minWords: 12, maxWords: 20, seed: 1);
        Assert.Equal(new[] { "space", "cooking", "football", "finance", "music", "gardening" }, TopicCorpus.TopicNames);
        Assert.Equal(6 * 30 + 30, corpus.Vocabulary.Count);
        Assert.Equal(corpus.Vocabulary.Count, corpus.Vocabulary.Distinct().Count());   // no word in two lists
        Assert.All(corpus.Vocabulary, w => Assert.Matches("^[a-z]+$", w));
        Assert.Equal(new long[] { 100, corpus.Vocabulary.Count }, corpus.Counts.shape);
        Assert.Equal(100, corpus.Documents);
        Assert.All(Values(corpus.Counts.sum(dim: 1)), n => Assert.InRange(n, 12, 20));
        for (int t = 0; t < 6; t++)
            Assert.All(TopicCorpus.WordsOf(t), w => Assert.Equal(t, corpus.WordTopic[corpus.Vocabulary.ToList().IndexOf(w)]));
        Assert.All(TopicCorpus.CommonWords, w => Assert.Equal(-1, corpus.WordTopic[corpus.Vocabulary.ToList().IndexOf(w)]));
    }

    [Fact]
    public void EveryWordComesFromTheDocumentsTopicsOrTheCommonWords()
    {
        var corpus = TopicCorpus.Generate(documents: 200, seed: 4);
        var vocabulary = corpus.Vocabulary.ToList();
        var counts = Values(corpus.Counts);
        int v = vocabulary.Count, mixed = 0;
        for (int d = 0; d < corpus.Documents; d++)
        {
            var topics = corpus.TopicsOf(d);
            Assert.InRange(topics.Count, 1, 2);
            Assert.Equal(topics.Count, topics.Distinct().Count());
            if (topics.Count == 2) mixed++;
            var words = corpus.WordsOfDocument(d);
            Assert.All(words, w => Assert.True(corpus.WordTopic[vocabulary.IndexOf(w)] is var t && (t == -1 || topics.Contains(t)), $"'{w}' in a {corpus.TopicLabel(d)} document"));
            Assert.Equal(string.Join(" ", words), corpus.Render(d));
            for (int j = 0; j < v; j++)                                               // the counts are the bag of the words
                Assert.Equal(words.Count(w => w == vocabulary[j]), (int)counts[d * v + j]);
        }
        Assert.InRange(mixed, 30, 90);                                                 // mixedFraction 0.3 of 200
        Assert.All(Enumerable.Range(0, 50), d => Assert.Single(TopicCorpus.Generate(documents: 50, mixedFraction: 0).TopicsOf(d)));
        var noCommon = TopicCorpus.Generate(documents: 30, commonFraction: 0);
        Assert.All(Enumerable.Range(0, 30), d => Assert.DoesNotContain(noCommon.WordsOfDocument(d), w => TopicCorpus.CommonWords.Contains(w)));
    }

    [Fact]
    public void TopicHelpersRenderLabelAndRankWords()
    {
        var corpus = TopicCorpus.Generate(documents: 60, mixedFraction: 1, seed: 8);
        Assert.All(Enumerable.Range(0, 60), d => Assert.Equal(2, corpus.TopicsOf(d).Count));
        var first = corpus.TopicsOf(0);
        Assert.Equal($"{TopicCorpus.TopicNames[first[0]]} + {TopicCorpus.TopicNames[first[1]]}", corpus.TopicLabel(0));
        Assert.True(corpus.SharesTopic(0, 0));
        int other = Enumerable.Range(1, 59).First(d => !corpus.TopicsOf(d).Intersect(first).Any());
        Assert.False(corpus.SharesTopic(0, other));
        Assert.EndsWith(" ...", corpus.Render(0, 3));
        Assert.Equal(3, corpus.Render(0, 3).Split(' ').Length - 1);
        var weights = zeros(corpus.Vocabulary.Count);
        weights[5] = 3; weights[200] = 2; weights[17] = 1;
        Assert.Equal(new[] { corpus.Vocabulary[5], corpus.Vocabulary[200], corpus.Vocabulary[17] }, corpus.TopWords(weights, 3));
        Assert.Equal(first[0], corpus.MainTopicLabels()[0].item<long>());
        Assert.Equal(0, corpus.TopicOfWord("rocket"));
        Assert.Equal(5, corpus.TopicOfWord("tulip"));
        Assert.Equal(-1, corpus.TopicOfWord("morning"));
        Assert.True(corpus.IsOnTopic(0, "morning"));
        Assert.True(corpus.IsOnTopic(0, TopicCorpus.WordsOf(first[1])[3]));
        Assert.False(corpus.IsOnTopic(0, TopicCorpus.WordsOf(Enumerable.Range(0, 6).First(t => !first.Contains(t)))[0]));
        Assert.Equal("space 2, gardening 1, common 1", corpus.TopicMix(new[] { "tulip", "rocket", "time", "moon" }));
        Assert.Contains("'moonbeam' is not in the vocabulary of 210 words", Assert.Throws<ArgumentException>(() => corpus.TopicOfWord("moonbeam")).Message);
    }

    [Fact]
    public void TopicCorpusRejectsBadSettingsNamingThem()
    {
        void Expect(string name, string text, Action act)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(act);
            Assert.Equal(name, e.ParamName);
            Assert.Contains(text, e.Message);
        }
        Expect("documents", "documents must be at least 1", () => TopicCorpus.Generate(documents: 0));
        Expect("minWords", "minWords must be at least 1", () => TopicCorpus.Generate(minWords: 0));
        Expect("maxWords", "at least minWords (30)", () => TopicCorpus.Generate(minWords: 30, maxWords: 29));
        Expect("mixedFraction", "[0, 1]", () => TopicCorpus.Generate(mixedFraction: 1.5));
        Expect("commonFraction", "[0, 1)", () => TopicCorpus.Generate(commonFraction: 1));
        var corpus = TopicCorpus.Generate(documents: 3);
        Expect("document", "0 .. 2", () => corpus.Render(3));
        Expect("topic", "0 .. 5", () => TopicCorpus.WordsOf(6));
        Expect("count", "vocabulary size (210)", () => corpus.TopWords(zeros(210), 0));
        Assert.Contains("[vocabulary] tensor with 210 values", Assert.Throws<ArgumentException>(() => corpus.TopWords(zeros(5))).Message);
    }
}
