/// A feed-forward stack of layers whose parameters share one flat buffer, and whose
/// gradients share another of the same layout.
///
/// Activations are kept from the last `forward` for the `backward` that follows; their
/// buffers grow to the largest batch seen and are then reused, so a training step
/// allocates nothing.
public final class Network {
    public let layers: [Layer]
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let layout: [ParameterBlock]
    /// Non-trainable layer state (batch-norm running statistics), outside `parameters`.
    public let state: FloatBuffer
    public let stateLayout: [ParameterBlock]
    public var inputWidth: Int { layers[0].inputWidth }
    public var outputWidth: Int { layers[layers.count - 1].outputWidth }
    public var parameterCount: Int { parameters.count }

    private var outputs: [Workspace]
    private let gradientA = Workspace(), gradientB = Workspace()
    private var lastInput: UnsafePointer<Float>?
    private var lastTasks: UnsafePointer<Int32>?
    private var lastRows = 0
    private var lastFirst = 0
    private var singleTarget: [GradientTarget]

    /// Assembles `layers` and initialises their parameters from `rng`.
    public init(layers: [Layer], rng: inout RandomStream) {
        precondition(!layers.isEmpty, "a network needs at least one layer")
        var offset = 0
        var stateOffset = 0
        var blocks: [ParameterBlock] = []
        var stateBlocks: [ParameterBlock] = []
        for (index, layer) in layers.enumerated() {
            if index > 0 {
                precondition(
                    layers[index - 1].outputWidth == layer.inputWidth,
                    "layer \(index) expects width \(layer.inputWidth), gets \(layers[index - 1].outputWidth)")
            }
            layer.offset = offset
            for (name, shape) in layer.parameterShapes {
                blocks.append(ParameterBlock(name: "layer\(index).\(name)", shape: shape, offset: offset))
                offset += shape.reduce(1, *)
            }
            for (name, shape) in layer.stateShapes {
                stateBlocks.append(ParameterBlock(name: "layer\(index).\(name)", shape: shape, offset: stateOffset))
                stateOffset += shape.reduce(1, *)
            }
        }
        self.layers = layers
        layout = blocks
        stateLayout = stateBlocks
        parameters = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
        state = FloatBuffer(count: stateOffset)
        var start = 0
        for layer in layers where layer.stateCount > 0 {
            layer.initializeState(state.pointer + start)
            layer.bindState(state.pointer + start)
            start += layer.stateCount
        }
        outputs = layers.map { _ in Workspace() }
        singleTarget = [GradientTarget(rows: 0..<0, gradient: gradients.pointer)]
        for layer in layers { layer.initialize(parameters.pointer, using: &rng) }
    }

    /// Train mode (batch statistics, running state updated) or eval mode (running state used).
    public var mode: LayerMode = .train {
        didSet { for layer in layers { layer.mode = mode } }
    }

    /// Multi-layer perceptron `sizes[0]-sizes[1]-...-sizes.last` with ReLU between layers.
    public static func mlp(_ sizes: [Int], rng: inout RandomStream) -> Network {
        precondition(sizes.count >= 2, "an MLP needs input and output sizes")
        var layers: [Layer] = []
        for i in 1..<sizes.count {
            layers.append(Linear(sizes[i - 1], sizes[i]))
            if i < sizes.count - 1 { layers.append(ReLU(sizes[i])) }
        }
        return Network(layers: layers, rng: &rng)
    }

    /// Runs the batch forward; returns the logits (rows × outputWidth), valid until the next call.
    /// `input` (and `tasks`) must stay valid until the matching `backward`. With `first` > 0,
    /// `input` is the input of layer `first` and the layers before it are skipped (GEM's
    /// incremental reference gradients keep the first layer's outputs themselves).
    @discardableResult
    public func forward(
        _ input: UnsafePointer<Float>, rows: Int, tasks: UnsafePointer<Int32>? = nil,
        fromLayer first: Int = 0
    ) -> UnsafeMutablePointer<Float> {
        lastInput = input
        lastTasks = tasks
        lastRows = rows
        lastFirst = first
        var x = input
        var y = outputs[first].pointer(atLeast: 1)
        for i in first..<layers.count {
            let layer = layers[i]
            y = outputs[i].pointer(atLeast: rows * layer.outputWidth)
            layer.forward(x, y, rows: rows, parameters: parameters.pointer, tasks: tasks)
            x = UnsafePointer(y)
        }
        return y
    }

    /// Back-propagates dL/dlogits of the last forward and adds parameter gradients into
    /// `gradients` (all rows).
    public func backward(_ logitGradient: UnsafePointer<Float>) {
        singleTarget[0].rows = 0..<lastRows
        backward(logitGradient, targets: singleTarget)
    }

    /// Back-propagates and adds each target's rows' parameter gradients into its own vector.
    /// Stops at the first layer of the last forward; when `inputGradient` is given, dL/d(input)
    /// of that forward is written there.
    public func backward(
        _ logitGradient: UnsafePointer<Float>, targets: [GradientTarget],
        inputGradient: UnsafeMutablePointer<Float>? = nil
    ) {
        guard let input = lastInput else { preconditionFailure("backward without forward") }
        let rows = lastRows
        var dy = logitGradient
        for i in stride(from: layers.count - 1, through: lastFirst, by: -1) {
            let layer = layers[i]
            let x = i == lastFirst ? input : UnsafePointer(outputs[i - 1].pointer(atLeast: 0))
            let y = UnsafePointer(outputs[i].pointer(atLeast: 0))
            let dx: UnsafeMutablePointer<Float>? =
                i == lastFirst
                ? inputGradient
                : gradientBuffer(below: i).pointer(atLeast: rows * layer.inputWidth)
            layer.backward(
                x: x, y: y, dy: dy, dx: dx, rows: rows, parameters: parameters.pointer,
                targets: targets, tasks: lastTasks)
            if let dx { dy = UnsafePointer(dx) }
        }
    }

    /// Where backward writes dL/d(input of layer i), i.e. dL/d(output of layer i − 1).
    private func gradientBuffer(below i: Int) -> Workspace { i % 2 == 0 ? gradientA : gradientB }

    /// dL/d(output of layer i) from the last full backward (rows × width), valid until the
    /// next forward or backward. GEM's incremental path reads the minibatch's first-layer
    /// output gradient here.
    public func outputGradient(ofLayer i: Int) -> UnsafePointer<Float> {
        precondition(i + 1 < layers.count, "the last layer's output gradient is the caller's own")
        return UnsafePointer(gradientBuffer(below: i + 1).pointer(atLeast: 0))
    }

    /// The input of the last layer in the last forward (rows × its width): the representation
    /// iCaRL's nearest-mean classifier and herding use. For a one-layer network, the input.
    public func lastHiddenOutput(rows: Int) -> [Float] {
        guard layers.count > 1, lastFirst < layers.count - 1 else {
            return Array(UnsafeBufferPointer(start: lastInput!, count: rows * layers[layers.count - 1].inputWidth))
        }
        return output(ofLayer: layers.count - 2, rows: rows)
    }

    /// Output of layer `i` from the last forward (for tests and diagnostics).
    func output(ofLayer i: Int, rows: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: outputs[i].pointer(atLeast: 0), count: rows * layers[i].outputWidth))
    }

    /// Predicted class per row: argmax of the logits among each row's allowed classes.
    public func predict(
        _ input: UnsafePointer<Float>, rows: Int, tasks: UnsafePointer<Int32>? = nil,
        heads: OutputHeads? = nil, into predictions: UnsafeMutablePointer<Int32>
    ) {
        let logits = forward(input, rows: rows, tasks: tasks)
        argmax(logits, rows: rows, tasks: tasks, heads: heads, into: predictions)
    }

    /// The class of highest logit in each of `rows` rows (among the row's task head, if any).
    public func argmax(
        _ logits: UnsafePointer<Float>, rows: Int, tasks: UnsafePointer<Int32>?, heads: OutputHeads?,
        into predictions: UnsafeMutablePointer<Int32>
    ) {
        let classes = outputWidth
        for r in 0..<rows {
            let row = logits + r * classes
            let task = tasks.map { Int($0[r]) } ?? 0
            var best = -1
            var bestValue = -Float.infinity
            for c in 0..<classes where heads?.isAllowed(task: task, class: c) ?? true {
                if best < 0 || row[c] > bestValue {
                    best = c
                    bestValue = row[c]
                }
            }
            predictions[r] = Int32(best)
        }
    }
}
