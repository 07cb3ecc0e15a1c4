using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data.Images;

/// <summary>
/// The images in a data folder and its subfolders, in ordinal order of their paths below it (so every file system
/// lists them alike), and the folder's immediate subfolders, which name the classes of labeled data
/// (<c>data/&lt;class&gt;/*.png</c>, as ImageNet and torchvision's <c>ImageFolder</c> lay them out). Files of other
/// types are ignored, and so are hidden files and folders (names starting with '.', such as macOS's <c>._x.png</c>).
/// </summary>
public sealed class ImageFolder
{
    /// <summary>
    /// The extensions of the formats StbImageSharp decodes reliably, compared case-insensitively. Photoshop files are
    /// left out: stb reads only some of them, and a designer's source file in a data folder should be ignored, not fail.
    /// </summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga"];

    private ImageFolder(string path, IReadOnlyList<string> files, IReadOnlyList<string> classes)
    {
        Path = path;
        Files = files;
        Classes = classes;
    }

    public string Path { get; }

    /// <summary>Absolute paths of the images, in ordinal order of their relative paths with '/' separators.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The names of the immediate subfolders, in ordinal order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <exception cref="EdgeMLException">The folder cannot be listed.</exception>
    public static ImageFolder Scan(string path)
    {
        try
        {
            var root = new DirectoryInfo(path);
            var files = AllVisibleFiles(root)
                .Where(file => Extensions.Contains(file.Extension, StringComparer.OrdinalIgnoreCase))
                .Select(file => file.FullName)
                .OrderBy(file => RelativePath(root.FullName, file), StringComparer.Ordinal)
                .ToArray();
            var classes = Visible(root.EnumerateDirectories()).Select(folder => folder.Name).Order(StringComparer.Ordinal).ToArray();
            return new ImageFolder(root.FullName, files, classes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeFileNotFound, $"cannot read the data folder '{path}': {e.Message}", new SourceLocation(path));
        }
    }

    /// <summary>The class folder <paramref name="file"/> is in, or null for an image directly in the data folder.</summary>
    public string? ClassOf(string file)
    {
        var relative = RelativePath(Path, file);
        var slash = relative.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? null : relative[..slash];
    }

    /// <summary>The path of <paramref name="file"/> below the data folder, with '/' separators; how messages name images.</summary>
    public string RelativePath(string file) => RelativePath(Path, file);

    private static string RelativePath(string root, string file) =>
        System.IO.Path.GetRelativePath(root, file).Replace(System.IO.Path.DirectorySeparatorChar, '/');

    private static IEnumerable<FileInfo> AllVisibleFiles(DirectoryInfo folder) =>
        Visible(folder.EnumerateFiles()).Concat(Visible(folder.EnumerateDirectories()).SelectMany(AllVisibleFiles));

    private static IEnumerable<T> Visible<T>(IEnumerable<T> entries)
        where T : FileSystemInfo =>
        entries.Where(entry => !entry.Name.StartsWith('.'));
}
