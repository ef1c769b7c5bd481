using VaeCourse.Data;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Data;

public class TopicCorpusTests
{
    public TopicCorpusTests() => Course.Setup(seed: 11);

    private static float[] Values(Tensor t) => t.detach().cpu().to(float32).contiguous().data<float>().ToArray();

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
