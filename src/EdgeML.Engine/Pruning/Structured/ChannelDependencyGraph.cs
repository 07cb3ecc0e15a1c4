using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// Finds, for every prunable layer's output channels, every tensor dimension coupled to them (the DepGraph idea of
/// Torch-Pruning): the tensor is followed in topological order through channel-preserving operators, per-channel
/// constants, residual additions (which merge the producers into one group that must drop the same channels),
/// Concat (channel offsets), Flatten (channel blocks), depthwise convolutions and the attention of transformers
/// (Transpose, Softmax, and MatMuls between two activations: Q·Kᵀ couples the query and key projections, which must
/// drop the same dimensions, and attention·V carries V's), down to the layers whose input features shrink. Multi-head
/// attention splits the channels into heads with a constant-shape Reshape; from there the head axis is a batch axis
/// of the attention MatMuls, which couples Q, K and V head by head, so the group is pruned in whole heads until a
/// Reshape merges them back into channels. Whatever the analysis does not understand marks the groups involved
/// unprunable, with a reason.
/// </summary>
internal sealed class ChannelDependencyGraph
{
    private readonly GraphIndex _index;
    private readonly IReadOnlyDictionary<string, long[]> _shapes;
    private readonly IReadOnlyCollection<string> _skipNodes;
    private readonly List<int> _parent = [];
    private readonly List<ProducerLayer> _producers = [];
    private readonly Dictionary<int, string> _failures = [];
    private readonly Dictionary<string, ChannelLayout> _layouts = new(StringComparer.Ordinal);
    private readonly List<ChannelEdit> _edits = [];
    private readonly List<ConsumerLayer> _consumers = [];
    private readonly Dictionary<int, int> _headSizes = [];

    private ChannelDependencyGraph(GraphProto graph, IReadOnlyDictionary<string, long[]> shapes, IReadOnlyCollection<string> skipNodes)
    {
        _index = new GraphIndex(graph);
        _shapes = shapes;
        _skipNodes = skipNodes;
    }

    /// <param name="graph">A topologically sorted graph, as ONNX requires.</param>
    /// <param name="shapes">Static shapes of its float tensors (<see cref="TensorShapes"/>).</param>
    /// <param name="skipNodes">Layers whose output channels stay whole (and with them, their coupled group).</param>
    public static ChannelDependencies Analyze(GraphProto graph, IReadOnlyDictionary<string, long[]> shapes, IReadOnlyCollection<string> skipNodes)
    {
        var analysis = new ChannelDependencyGraph(graph, shapes, skipNodes);
        foreach (var node in graph.Node)
        {
            analysis.Visit(node);
        }

        foreach (var output in graph.Output)
        {
            analysis.Fail(analysis.LayoutOf(output.Name), $"it reaches the graph output '{output.Name}', whose shape must stay");
        }

        return analysis.Result();
    }

    private void Visit(NodeProto node)
    {
        FailSubgraphReads(node);
        var op = string.IsNullOrEmpty(node.Domain) ? node.OpType : $"{node.Domain}.{node.OpType}";
        if (op == "MatMul" && !node.Input.Any(_index.Initializers.ContainsKey))
        {
            VisitActivationMatMul(node);
        }
        else if (PrunableOperators.IsWeighted(node))
        {
            VisitWeighted(node);
        }
        else if (ChannelOperators.Elementwise.Contains(op) || ChannelOperators.Pooling.Contains(op))
        {
            VisitPassThrough(node);
        }
        else if (ChannelOperators.Binary.Contains(op))
        {
            VisitBinary(node);
        }
        else if (op == "BatchNormalization")
        {
            VisitBatchNormalization(node);
        }
        else if (op == "Concat")
        {
            VisitConcat(node);
        }
        else if (op == "Flatten")
        {
            VisitFlatten(node);
        }
        else if (op == "Reshape")
        {
            VisitReshape(node);
        }
        else if (op == "Transpose")
        {
            VisitTranspose(node);
        }
        else if (op is "Softmax" or "LogSoftmax")
        {
            VisitSoftmax(node);
        }
        else if (op == "Shape")
        {
            FailInputs(node, $"'{node.Name}' (Shape) reads its dimensions at run time, and pruning changes them");
        }
        else
        {
            FailInputs(node, $"'{node.Name}' ({op}) reads it and is not understood");
        }
    }

    private void VisitWeighted(NodeProto node)
    {
        var match = PrunableOperators.Match(node, _index);
        var input = LayoutOf(node.Input[0]);
        if (match.Reason is { } reason)
        {
            FailInputs(node, $"'{node.Name}' ({node.OpType}) reads it, but {reason}");
            return;
        }

        if (match.Kind == LayerKind.DepthwiseConv)
        {
            // One filter per channel: the filters, biases and group count follow the input's surviving channels.
            if (input is not null && RequireSpatial(node, input) && AddSlice(match.Weight, match.OutputAxis, input)
                && (match.Bias is null || AddSlice(match.Bias, 0, input)))
            {
                _edits.Add(new SetGroupCount(node, input));
                _layouts[node.Output[0]] = input;
            }

            return;
        }

        var channels = (int)_index.Initializers[match.Weight].Dims[match.OutputAxis];
        var axis = match.Kind == LayerKind.MatMul ? Rank(node.Output[0]) - 1 : 1;
        var group = NewGroup(new ProducerLayer(node, match.Weight, match.OutputAxis, channels, axis));
        if (_skipNodes.Contains(node.Name))
        {
            _failures[group] = $"'{node.Name}' is skipped by the recipe";
        }

        var output = ChannelLayout.Of(group, channels, axis);
        _layouts[node.Output[0]] = output;
        _ = AddSlice(match.Weight, match.OutputAxis, output) && (match.Bias is null || AddSlice(match.Bias, 0, output));
        if (input is null)
        {
            return;
        }

        var spatial = match.Kind is LayerKind.Conv or LayerKind.ConvTranspose;
        if (spatial ? RequireSpatial(node, input) : RequireAxis(node, input, Rank(node.Input[0]) - 1))
        {
            if (AddSlice(match.Weight, match.InputAxis, input))
            {
                _consumers.Add(new ConsumerLayer(node, match, input, output));
            }
        }
    }

    private void VisitPassThrough(NodeProto node)
    {
        FailInputs(node, $"'{node.Name}' ({node.OpType}) reads it as a parameter", skipFirst: true);
        if (LayoutOf(node.Input[0]) is { } input && (!ChannelOperators.Pooling.Contains(node.OpType) || RequireSpatial(node, input)))
        {
            _layouts[node.Output[0]] = input;
        }
    }

    private void VisitBinary(NodeProto node)
    {
        var (a, b) = (LayoutOf(node.Input[0]), LayoutOf(node.Input[1]));
        if (a is not null && b is not null)
        {
            // A residual connection: both sides must keep the same channels, so their groups become one.
            if (a.Axis == b.Axis && _shapes[node.Input[0]].SequenceEqual(_shapes[node.Input[1]]) && SpansLineUp(a, b))
            {
                foreach (var (first, second) in a.Spans.Zip(b.Spans))
                {
                    Union(first.Group, second.Group);
                }

                _layouts[node.Output[0]] = a;
            }
            else
            {
                FailInputs(node, $"'{node.Name}' ({node.OpType}) combines two tensors whose channels do not line up");
            }

            return;
        }

        var (layout, other) = a is not null ? (a, node.Input[1]) : (b, node.Input[0]);
        if (layout is null)
        {
            return;
        }

        if (!_index.Initializers.TryGetValue(other, out var constant))
        {
            Fail(layout, $"'{node.Name}' ({node.OpType}) combines it with '{other}', which cannot lose channels");
            return;
        }

        // Broadcasting aligns trailing axes: the constant either spans the channel axis (and is sliced) or repeats along it.
        var rank = Rank(node.Output[0]);
        var axis = layout.Axis - (rank - constant.Dims.Count);
        if (constant.Dims.Count > rank || (axis >= 0 && constant.Dims[axis] != 1 && constant.Dims[axis] != layout.Length))
        {
            Fail(layout, $"'{node.Name}' ({node.OpType}) applies a constant of shape [{string.Join(", ", constant.Dims)}] that does not broadcast per channel");
            return;
        }

        if (axis < 0 || constant.Dims[axis] == 1 || AddSlice(other, axis, layout))
        {
            _layouts[node.Output[0]] = layout;
        }
    }

    private void VisitBatchNormalization(NodeProto node)
    {
        FailInputs(node, $"'{node.Name}' (BatchNormalization) reads it as a parameter", skipFirst: true);
        if (LayoutOf(node.Input[0]) is { } input && RequireSpatial(node, input)
            && node.Input.Skip(1).Take(4).All(parameter => AddSlice(parameter, 0, input)))
        {
            _layouts[node.Output[0]] = input;
        }
    }

    private void VisitConcat(NodeProto node)
    {
        var inputs = node.Input.Select(LayoutOf).ToArray();
        if (inputs.All(l => l is null))
        {
            return;
        }

        var axis = (int)node.GetInt("axis", 0);
        axis = axis < 0 ? axis + Rank(node.Output[0]) : axis;
        if (inputs.Any(l => l is null || l.Axis != axis || l.Block != 1 || l.HeadSize != inputs[0]!.HeadSize))
        {
            FailInputs(node, $"'{node.Name}' (Concat) joins it with tensors that are not prunable channels along axis {axis}");
            return;
        }

        // The output's channels are the inputs' one after the other: each group keeps its offset.
        var spans = new List<GroupSpan>();
        var offset = 0;
        foreach (var input in inputs)
        {
            spans.AddRange(input!.Spans.Select(s => s with { Offset = offset + s.Offset }));
            offset += input.Channels;
        }

        _layouts[node.Output[0]] = new ChannelLayout(spans, axis, 1) { HeadSize = inputs[0]!.HeadSize };
    }

    // A permutation moves the channel axis; the channels themselves stay.
    private void VisitTranspose(NodeProto node)
    {
        if (LayoutOf(node.Input[0]) is not { } input)
        {
            return;
        }

        var perm = node.Attribute.FirstOrDefault(a => a.Name == "perm")?.Ints.ToArray()
            ?? Enumerable.Range(0, Rank(node.Input[0])).Reverse().Select(axis => (long)axis).ToArray();
        if (input.Block != 1)
        {
            Fail(input, $"'{node.Name}' (Transpose) moves flattened channel blocks");
            return;
        }

        _layouts[node.Output[0]] = input with { Axis = Array.IndexOf(perm, input.Axis) };
    }

    // A[…, M, K] · B[…, K, N] with both operands computed (attention). The contracted K must shrink on both sides
    // alike, which couples their groups (queries and keys); N's channels (values) flow on to the output. A batch
    // axis on both sides (the heads of multi-head attention) pairs head h with head h: it couples the groups too,
    // and stays in the output.
    private void VisitActivationMatMul(NodeProto node)
    {
        var (a, b) = (LayoutOf(node.Input[0]), LayoutOf(node.Input[1]));
        var (rankA, rankB) = (Rank(node.Input[0]), Rank(node.Input[1]));
        var contracted = a is not null && b is not null && a.Axis == rankA - 1 && b.Axis == rankB - 2;
        var batch = a is not null && b is not null && rankA == rankB && a.Axis == b.Axis && a.Axis < rankA - 2;
        if ((contracted || batch) && a!.Block == 1 && SpansLineUp(a, b!))
        {
            foreach (var (first, second) in a.Spans.Zip(b!.Spans))
            {
                Union(first.Group, second.Group);
            }

            if (batch)
            {
                _layouts[node.Output[0]] = a;
            }

            return;
        }

        if (a is null && b is not null && b.Axis == rankB - 1 && b.Block == 1)
        {
            _layouts[node.Output[0]] = b with { Axis = Rank(node.Output[0]) - 1 };
            return;
        }

        FailInputs(node, $"'{node.Name}' (MatMul) multiplies it with a tensor whose matching dimension cannot lose the same channels");
    }

    // The same groups at the same offsets, in blocks (or heads) of the same size: the two sides can drop the same channels.
    private static bool SpansLineUp(ChannelLayout a, ChannelLayout b) =>
        a.Block == b.Block && a.HeadSize == b.HeadSize && a.Spans.Count == b.Spans.Count
        && a.Spans.Zip(b.Spans).All(p => p.First.Offset == p.Second.Offset && p.First.Count == p.Second.Count);

    private void VisitFlatten(NodeProto node)
    {
        if (LayoutOf(node.Input[0]) is { } input)
        {
            Flatten(node, input, FlattenAxis(node, Rank(node.Input[0])) == 1);
        }
    }

    // A Reshape is understood when its target shape is a constant: a flatten to [N, -1], or a split of the channels
    // into attention heads and the merge back. A shape computed at run time (Shape → Gather → Concat) is not.
    private void VisitReshape(NodeProto node)
    {
        FailInputs(node, $"'{node.Name}' (Reshape) reads it as its shape", skipFirst: true);
        if (LayoutOf(node.Input[0]) is not { } input)
        {
            return;
        }

        if (!_index.Initializers.TryGetValue(node.Input[1], out var shape) || shape.DataType != (int)TensorProto.Types.DataType.Int64)
        {
            Fail(input, $"'{node.Name}' (Reshape) takes its shape from '{node.Input[1]}', computed at run time; only a constant shape can follow pruned channels");
            return;
        }

        var target = Tensors.ToInt64s(shape);
        var (inShape, outShape) = (_shapes[node.Input[0]], _shapes[node.Output[0]]);
        if (target is [_, -1])
        {
            Flatten(node, input, flattensAtChannels: true);
        }
        else if (outShape.Length == inShape.Length + 1)
        {
            SplitHeads(node, input, target, inShape, outShape);
        }
        else if (outShape.Length == inShape.Length - 1)
        {
            MergeHeads(node, input, target, inShape, outShape);
        }
        else
        {
            FailReshape(node, input);
        }
    }

    // [N, C, H, W] → [N, C·H·W]: channel c becomes the block of features c·H·W … (c+1)·H·W − 1.
    private void Flatten(NodeProto node, ChannelLayout input, bool flattensAtChannels)
    {
        var inShape = _shapes[node.Input[0]];
        var outShape = _shapes[node.Output[0]];
        if (flattensAtChannels && input.Axis == 1 && outShape.Length == 2 && outShape[1] == Tensors.ElementCount(inShape.Skip(1)))
        {
            _layouts[node.Output[0]] = input with { Block = input.Block * (int)Tensors.ElementCount(inShape.Skip(2)) };
        }
        else
        {
            FailReshape(node, input);
        }
    }

    // [… , H·D, …] → [… , H, D, …]: each index of the new head axis stands for D consecutive channels, and the
    // groups involved are pruned in whole heads from now on.
    private void SplitHeads(NodeProto node, ChannelLayout input, long[] target, long[] inShape, long[] outShape)
    {
        var axis = input.Axis;
        var headSize = (int)outShape[axis + 1];
        var splits = input is { Block: 1, HeadSize: 1 } && outShape[axis] * headSize == inShape[axis]
            && outShape.Take(axis).SequenceEqual(inShape.Take(axis)) && outShape.Skip(axis + 2).SequenceEqual(inShape.Skip(axis + 1));
        if (!splits)
        {
            FailReshape(node, input);
            return;
        }

        if (input.Spans.Any(s => s.Offset % headSize != 0 || s.Count % headSize != 0))
        {
            Fail(input, $"'{node.Name}' (Reshape) splits it into heads of {headSize} channels that cut across coupled groups");
            return;
        }

        if (input.Groups.Select(g => _headSizes.GetValueOrDefault(g, headSize)).FirstOrDefault(size => size != headSize) is > 0 and var other)
        {
            Fail(input, $"'{node.Name}' (Reshape) splits it into heads of {headSize} channels, another Reshape into heads of {other}");
            return;
        }

        foreach (var group in input.Groups)
        {
            _headSizes[group] = headSize;
        }

        ResizeTarget(node, input with { HeadSize = headSize }, target, outShape);
    }

    // [… , H, D, …] → [… , H·D, …]: head h becomes channels h·D … h·D + D − 1 again.
    private void MergeHeads(NodeProto node, ChannelLayout input, long[] target, long[] inShape, long[] outShape)
    {
        var axis = input.Axis;
        var merges = input.HeadSize > 1 && input.Block == 1 && axis + 1 < inShape.Length && inShape[axis + 1] == input.HeadSize
            && outShape[axis] == inShape[axis] * input.HeadSize
            && outShape.Take(axis).SequenceEqual(inShape.Take(axis)) && outShape.Skip(axis + 1).SequenceEqual(inShape.Skip(axis + 2));
        if (merges)
        {
            ResizeTarget(node, input with { HeadSize = 1 }, target, outShape);
        }
        else
        {
            FailReshape(node, input);
        }
    }

    // The target's entry along the channel axis is the only one pruning changes: a literal length is rewritten, a -1
    // is inferred again by the Reshape; other entries (0 copies, -1) keep describing axes that do not change.
    private void ResizeTarget(NodeProto node, ChannelLayout output, long[] target, long[] outShape)
    {
        var axis = output.Axis;
        if (target[axis] == outShape[axis])
        {
            _edits.Add(new ResizeReshapeTarget(node, axis, output));
        }
        else if (target[axis] != -1)
        {
            FailReshape(node, output);
            return;
        }

        _layouts[node.Output[0]] = output;
    }

    private void FailReshape(NodeProto node, ChannelLayout input) =>
        Fail(input, $"'{node.Name}' ({node.OpType}) reshapes it in a way the analysis cannot map to channels");

    private static long FlattenAxis(NodeProto node, int rank)
    {
        var axis = node.GetInt("axis", 1);
        return axis < 0 ? axis + rank : axis;
    }

    // Softmax normalizes along its axis (before opset 13, along every axis from there on): channels on an earlier
    // axis — the heads of attention scores — pass through. A missing axis is read as 1, the older default and the
    // cautious reading.
    private void VisitSoftmax(NodeProto node)
    {
        if (LayoutOf(node.Input[0]) is not { } input)
        {
            return;
        }

        var axis = node.GetInt("axis", 1);
        axis = axis < 0 ? axis + Rank(node.Input[0]) : axis;
        if (input.Axis < axis)
        {
            _layouts[node.Output[0]] = input;
        }
        else
        {
            Fail(input, $"'{node.Name}' ({node.OpType}) normalizes along its channels");
        }
    }

    private bool RequireSpatial(NodeProto node, ChannelLayout layout) => RequireAxis(node, layout, 1);

    private bool RequireAxis(NodeProto node, ChannelLayout layout, int axis)
    {
        if (layout.Axis == axis && (layout.Block == 1 || _shapes[node.Input[0]].Length == 2))
        {
            return true;
        }

        Fail(layout, $"'{node.Name}' ({node.OpType}) reads its channels along an axis it cannot map");
        return false;
    }

    // Records a slice of a constant; a constant that other nodes read too, or whose size does not match, cannot change.
    private bool AddSlice(string initializer, int axis, ChannelLayout layout)
    {
        if (!_index.Initializers.TryGetValue(initializer, out var tensor) || tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            Fail(layout, $"'{initializer}' is not a constant float tensor");
            return false;
        }

        if (_index.ConsumersOf(initializer).Count > 1 || tensor.Dims[axis] != layout.Length)
        {
            Fail(layout, $"the constant '{initializer}' is shared or does not have {layout.Length} values along axis {axis}");
            return false;
        }

        _edits.Add(new SliceInitializer(initializer, axis, layout));
        return true;
    }

    private void FailSubgraphReads(NodeProto node)
    {
        foreach (var subgraph in node.Attribute.SelectMany(a => a.Graphs.Append(a.G)).OfType<GraphProto>())
        {
            foreach (var name in GraphReferences.AllInputs(subgraph))
            {
                Fail(LayoutOf(name), $"a subgraph of '{node.Name}' reads it");
            }
        }
    }

    private void FailInputs(NodeProto node, string reason, bool skipFirst = false)
    {
        foreach (var input in node.Input.Skip(skipFirst ? 1 : 0))
        {
            Fail(LayoutOf(input), reason);
        }
    }

    private void Fail(ChannelLayout? layout, string reason)
    {
        foreach (var group in layout?.Groups ?? [])
        {
            _failures.TryAdd(group, reason);
        }
    }

    private ChannelLayout? LayoutOf(string tensor) => _layouts.GetValueOrDefault(tensor);

    private int Rank(string tensor) => _shapes[tensor].Length;

    private int NewGroup(ProducerLayer producer)
    {
        _parent.Add(_parent.Count);
        _producers.Add(producer);
        return _parent.Count - 1;
    }

    private int Find(int group) => _parent[group] == group ? group : _parent[group] = Find(_parent[group]);

    private void Union(int a, int b) => _parent[Find(a)] = Find(b);

    private ChannelDependencies Result()
    {
        var groups = Enumerable.Range(0, _parent.Count).GroupBy(Find).Select(members =>
        {
            var headSizes = members.Where(_headSizes.ContainsKey).Select(m => _headSizes[m]).Distinct().ToArray();
            var reason = members.Select(m => _failures.GetValueOrDefault(m)).FirstOrDefault(r => r is not null)
                ?? (headSizes.Length > 1 ? $"it is split into attention heads of different sizes ({string.Join(", ", headSizes)})" : null);
            return new CoupledGroup(members.Key, members.Select(m => _producers[m]).ToArray(), _producers[members.Key].Channels, reason, headSizes.Length == 1 ? headSizes[0] : 1);
        }).ToArray();
        var edits = _edits.Select(e => e with { Layout = e.Layout.WithGroups(Find) }).ToArray();
        var consumers = _consumers.Select(c => c with { Input = c.Input.WithGroups(Find), Output = c.Output?.WithGroups(Find) }).ToArray();
        return new ChannelDependencies(groups, edits, consumers, _layouts.Keys.ToHashSet(StringComparer.Ordinal));
    }
}
