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
    public var inputWidth: Int { layers[0].inputWidth }
    public var outputWidth: Int { layers[layers.count - 1].outputWidth }
    public var parameterCount: Int { parameters.count }

    private var outputs: [Workspace]
    private let gradientA = Workspace(), gradientB = Workspace()
    private var lastInput: UnsafePointer<Float>?
    private var lastTasks: UnsafePointer<Int32>?
    private var lastRows = 0
    private var singleTarget: [GradientTarget]

    /// Assembles `layers` and initialises their parameters from `rng`.
    public init(layers: [Layer], rng: inout RandomStream) {
        precondition(!layers.isEmpty, "a network needs at least one layer")
        var offset = 0
        var blocks: [ParameterBlock] = []
        for (index, layer) in layers.enumerated() {
            if index > 0 {
                precondition(layers[index - 1].outputWidth == layer.inputWidth,
                             "layer \(index) expects width \(layer.inputWidth), gets \(layers[index - 1].outputWidth)")
            }
            layer.offset = offset
            for (name, shape) in layer.parameterShapes {
                blocks.append(ParameterBlock(name: "layer\(index).\(name)", shape: shape, offset: offset))
                offset += shape.reduce(1, *)
            }
        }
        self.layers = layers
        layout = blocks
        parameters = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
        outputs = layers.map { _ in Workspace() }
        singleTarget = [GradientTarget(rows: 0..<0, gradient: gradients.pointer)]
        for layer in layers { layer.initialize(parameters.pointer, using: &rng) }
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
    /// `input` (and `tasks`) must stay valid until the matching `backward`.
    @discardableResult
    public func forward(_ input: UnsafePointer<Float>, rows: Int, tasks: UnsafePointer<Int32>? = nil)
        -> UnsafeMutablePointer<Float> {
        lastInput = input
        lastTasks = tasks
        lastRows = rows
        var x = input
        var y = outputs[0].pointer(atLeast: 1)
        for (i, layer) in layers.enumerated() {
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
    public func backward(_ logitGradient: UnsafePointer<Float>, targets: [GradientTarget]) {
        guard let input = lastInput else { preconditionFailure("backward without forward") }
        let rows = lastRows
        var dy = logitGradient
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[i]
            let x = i == 0 ? input : UnsafePointer(outputs[i - 1].pointer(atLeast: 0))
            let y = UnsafePointer(outputs[i].pointer(atLeast: 0))
            let dx: UnsafeMutablePointer<Float>? =
                i == 0 ? nil : (i % 2 == 0 ? gradientA : gradientB).pointer(atLeast: rows * layer.inputWidth)
            layer.backward(x: x, y: y, dy: dy, dx: dx, rows: rows, parameters: parameters.pointer,
                           targets: targets, tasks: lastTasks)
            if let dx { dy = UnsafePointer(dx) }
        }
    }

    /// Output of layer `i` from the last forward (for tests and diagnostics).
    func output(ofLayer i: Int, rows: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: outputs[i].pointer(atLeast: 0), count: rows * layers[i].outputWidth))
    }

    /// Predicted class per row: argmax of the logits among each row's allowed classes.
    public func predict(_ input: UnsafePointer<Float>, rows: Int, tasks: UnsafePointer<Int32>? = nil,
                        heads: OutputHeads? = nil, into predictions: UnsafeMutablePointer<Int32>) {
        let logits = forward(input, rows: rows, tasks: tasks)
        let classes = outputWidth
        for r in 0..<rows {
            let row = logits + r * classes
            let task = tasks.map { Int($0[r]) } ?? 0
            var best = -1
            var bestValue = -Float.infinity
            for c in 0..<classes where heads?.isAllowed(task: task, class: c) ?? true {
                if best < 0 || row[c] > bestValue { best = c; bestValue = row[c] }
            }
            predictions[r] = Int32(best)
        }
    }
}
