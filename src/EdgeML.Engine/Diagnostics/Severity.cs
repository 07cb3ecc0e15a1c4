namespace EdgeML.Engine.Diagnostics;

public enum Severity
{
    Warning,
    Error,
}
