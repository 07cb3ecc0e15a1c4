namespace EdgeML.Engine.Diagnostics;

/// <summary>A place in a user file that a diagnostic points at. Line and column are 1-based; 0 means unknown.</summary>
public readonly record struct SourceLocation(string File, int Line = 0, int Column = 0)
{
    /// <summary>Renders the location in MSBuild's canonical form: <c>file(line,col)</c>.</summary>
    public override string ToString() => Line > 0 ? $"{File}({Line},{Math.Max(Column, 1)})" : File;
}
