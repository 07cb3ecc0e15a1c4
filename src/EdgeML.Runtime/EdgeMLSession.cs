using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>
/// A loaded model, ready to run. The classes EdgeML.Build generates wrap one of these; it can also be used
/// directly. <see cref="Run{TIn, TOut}"/> and <see cref="Run(IReadOnlyList{OrtValue})"/> are safe to call from
/// several threads at once; dispose the session only after every run has returned.
/// </summary>
public sealed class EdgeMLSession : IDisposable
{
    /// <summary>The folder-like prefix of the manifest resources EdgeML.Build embeds models under.</summary>
    private const string ResourcePrefix = "EdgeML/";

    private readonly InferenceSession _session;

    // Shared by concurrent runs, as ONNX Runtime's own Run overloads share theirs; nothing ever changes it.
    private readonly RunOptions _runOptions = new();

    private EdgeMLSession(InferenceSession session)
    {
        _session = session;
        Inputs = session.InputNames.Select(name => TensorInfo.Create("input", name, session.InputMetadata[name])).ToArray();
        Outputs = session.OutputNames.Select(name => TensorInfo.Create("output", name, session.OutputMetadata[name])).ToArray();
    }

    /// <summary>The model's inputs in the order ONNX Runtime reports them; an input index points into this list.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The model's outputs in graph order; an output index points into this list.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Loads a model that an assembly embeds as a manifest resource.</summary>
    /// <param name="assembly">The assembly that holds the resource, usually the one of the generated class.</param>
    /// <param name="resourceName">The manifest resource name, e.g. <c>EdgeML/digits.onnx</c>.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">The assembly has no such resource, or ONNX Runtime cannot load it.</exception>
    public static EdgeMLSession FromEmbeddedResource(Assembly assembly, string resourceName, EdgeMLModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);

        byte[] model;
        using (var stream = assembly.GetManifestResourceStream(resourceName) ?? throw MissingResource(assembly, resourceName))
        {
            model = new byte[stream.Length];
            stream.ReadExactly(model);
        }

        return Load(sessionOptions => new InferenceSession(model, sessionOptions), $"the resource '{resourceName}' of {assembly.GetName().Name}", options);
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    /// <param name="model">The ONNX model file's contents.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">ONNX Runtime cannot load the model.</exception>
    public static EdgeMLSession FromBytes(byte[] model, EdgeMLModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Load(sessionOptions => new InferenceSession(model, sessionOptions), "the model", options);
    }

    /// <summary>Loads a model from an ONNX file.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">The file is missing, or ONNX Runtime cannot load it.</exception>
    public static EdgeMLSession FromFile(string path, EdgeMLModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(sessionOptions => new InferenceSession(path, sessionOptions), $"the model '{path}'", options);
    }

    /// <summary>
    /// Runs the model on one input and writes one output into the caller's buffer. Both spans are pinned and
    /// handed to ONNX Runtime as they are: nothing is copied. Any other inputs must be optional in the model.
    /// </summary>
    /// <typeparam name="TIn">The input's element type, e.g. <see cref="float"/>.</typeparam>
    /// <typeparam name="TOut">The output's element type.</typeparam>
    /// <param name="inputIndex">The input's position in <see cref="Inputs"/>.</param>
    /// <param name="input">The input values in row-major order.</param>
    /// <param name="inputShape">The input's shape; one dimension may be -1, inferred from the number of values.</param>
    /// <param name="outputIndex">The output's position in <see cref="Outputs"/>.</param>
    /// <param name="output">Receives the output values in row-major order.</param>
    /// <param name="outputShape">The output's shape; one dimension may be -1, inferred from the buffer's length.</param>
    /// <exception cref="ArgumentException">An index, element type, shape or length does not match the model.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model.</exception>
    public unsafe void Run<TIn, TOut>(int inputIndex, ReadOnlySpan<TIn> input, ReadOnlySpan<long> inputShape, int outputIndex, Span<TOut> output, ReadOnlySpan<long> outputShape)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        var inputInfo = Select(Inputs, inputIndex, nameof(inputIndex));
        var outputInfo = Select(Outputs, outputIndex, nameof(outputIndex));
        inputInfo.EnsureElementType<TIn>();
        outputInfo.EnsureElementType<TOut>();
        var inputDimensions = TensorShapes.Resolve(inputInfo, inputShape, input.Length, nameof(input));
        var outputDimensions = TensorShapes.Resolve(outputInfo, outputShape, output.Length, nameof(output));

        var inputBytes = MemoryMarshal.AsBytes(input);
        var outputBytes = MemoryMarshal.AsBytes(output);
        fixed (byte* inputData = inputBytes)
        fixed (byte* outputData = outputBytes)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, inputInfo.ElementType, inputDimensions, (IntPtr)inputData, inputBytes.Length);
            using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, outputInfo.ElementType, outputDimensions, (IntPtr)outputData, outputBytes.Length);
            _session.Run(_runOptions, [inputInfo.Name], [inputValue], [outputInfo.Name], [outputValue]);
        }
    }

    /// <summary>Creates an empty set of input values for <see cref="Run(IReadOnlyList{OrtValue})"/>, one slot per model input.</summary>
    /// <returns>Inputs to fill with <see cref="EdgeMLInputs.Set{T}"/>; dispose them after the run.</returns>
    public EdgeMLInputs CreateInputs() => new(Inputs);

    /// <summary>Runs the model on all of its inputs and returns all of its outputs, allocated by ONNX Runtime.</summary>
    /// <param name="inputs">One value per model input, in the order of <see cref="Inputs"/>, e.g. an <see cref="EdgeMLInputs"/>.</param>
    /// <returns>The outputs in the order of <see cref="Outputs"/>; dispose them when done.</returns>
    /// <exception cref="ArgumentException">The number of values is not the number of model inputs.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model.</exception>
    public EdgeMLOutputs Run(IReadOnlyList<OrtValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != Inputs.Count)
        {
            throw new ArgumentException($"the model takes {Inputs.Count} inputs ({string.Join(", ", _session.InputNames)}); {inputs.Count} were given.", nameof(inputs));
        }

        return new EdgeMLOutputs(Outputs, _session.Run(_runOptions, _session.InputNames, inputs, _session.OutputNames));
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    internal static TensorInfo Select(IReadOnlyList<TensorInfo> tensors, int index, string paramName) =>
        (uint)index < (uint)tensors.Count
            ? tensors[index]
            : throw new ArgumentOutOfRangeException(paramName, index, $"the model has {tensors.Count} of them: {string.Join(", ", tensors.Select(t => t.Name))}.");

    private static EdgeMLSession Load(Func<SessionOptions, InferenceSession> open, string source, EdgeMLModelOptions? options)
    {
        InferenceSession session;
        using (var sessionOptions = (options ?? new EdgeMLModelOptions()).CreateSessionOptions())
        {
            try
            {
                session = open(sessionOptions);
            }
            catch (OnnxRuntimeException e)
            {
                throw new EdgeMLModelLoadException($"ONNX Runtime cannot load {source}: {e.Message}", e);
            }
        }

        try
        {
            return new EdgeMLSession(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static EdgeMLModelLoadException MissingResource(Assembly assembly, string resourceName)
    {
        var models = assembly.GetManifestResourceNames().Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        var available = models.Length == 0
            ? "It embeds no EdgeML models; does the project reference EdgeML.Build and have a recipe?"
            : $"It embeds: {string.Join(", ", models)}.";
        return new EdgeMLModelLoadException($"The assembly {assembly.GetName().Name} has no model resource '{resourceName}'. {available}");
    }
}
