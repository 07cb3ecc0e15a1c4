namespace EdgeML.Engine.Recipes;

/// <summary>Finds the known name a user most likely meant, for "did you mean ...?" hints.</summary>
internal static class ClosestName
{
    /// <summary>The candidate that <paramref name="typed"/> is probably a misspelling of, or null when none is close.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        // Case and separators are ignored ("maxDrop", "max-drop" and "MAX_DROP" all mean max_drop); beyond
        // that, allow about one slip per three characters.
        var normalized = Normalize(typed);
        var limit = Math.Max(1, normalized.Length / 3);
        return candidates
            .Select(candidate => (Candidate: candidate, Distance: Distance(normalized, Normalize(candidate))))
            .Where(match => match.Distance <= limit)
            .OrderBy(match => match.Distance)
            .Select(match => match.Candidate)
            .FirstOrDefault();
    }

    private static string Normalize(string name) =>
        new(name.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
