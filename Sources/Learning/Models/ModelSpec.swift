/// The network a run trains, as an experiment declares it (`model:` in YAML). Built in one
/// place, `build`, from the spec, the input shape and the class count of the task stream.
public enum ModelSpec: Sendable, Hashable, Codable {
    /// Fully connected layers `input-h1-...-hk-classes` with ReLU between them.
    case mlp(hidden: [Int])
    /// The GEM paper's reduced ResNet18 with `width` (nf) feature maps in its first stage
    /// (`Network.reducedResNet18`; the paper: 20).
    case resnet18(width: Int)

    /// The GEM paper's MNIST model: two hidden layers of 100 units.
    public static let `default` = ModelSpec.mlp(hidden: [100, 100])

    /// The YAML `kind:`.
    public var kind: String {
        switch self {
        case .mlp: "mlp"
        case .resnet18: "resnet18"
        }
    }

    /// Hidden widths of an MLP (nil for other kinds).
    public var hiddenWidths: [Int]? {
        switch self {
        case let .mlp(hidden): hidden
        case .resnet18: nil
        }
    }

    /// The reduced ResNet's first-stage width nf (nil for other kinds).
    public var convolutionWidth: Int? {
        switch self {
        case .mlp: nil
        case let .resnet18(width): width
        }
    }

    /// Whether the model is an MLP, which GEM's incremental and sparse first-layer paths need.
    public var isMLP: Bool { hiddenWidths != nil }

    /// Builds the network for inputs of `inputShape` (channels × height × width, or a flat
    /// width) and `classes` outputs, initialised from `rng`.
    /// - Throws: `ModelShapeError` when a convolutional model does not fit the input shape.
    public func build(inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant = .standard,
                      rng: inout RandomStream) throws -> Network {
        let inputWidth = inputShape.reduce(1, *)
        switch self {
        case let .resnet18(width):
            precondition(variant != .taskRoutedInput, "a task-routed input layer needs an MLP")
            let nf = variant == .hiddenDividedAmongTasks ? max(1, width / tasks) : width
            let image = inputShape.count == 3 ? inputShape : [1, 1, inputWidth]
            return try Network.reducedResNet18(channels: image[0], height: image[1], width: image[2], classes: classes,
                                               nf: nf, rng: &rng)
        case let .mlp(hidden):
            switch variant {
            case .standard:
                return Network.mlp([inputWidth] + hidden + [classes], rng: &rng)
            case .hiddenDividedAmongTasks:
                return Network.mlp([inputWidth] + hidden.map { max(1, $0 / tasks) } + [classes], rng: &rng)
            case .taskRoutedInput:
                return Network.multimodal([inputWidth] + hidden + [classes], tasks: tasks, rng: &rng)
            }
        }
    }

    /// Parameters of the network `build` would make, in floating point so that absurd sizes
    /// give a large number rather than an overflow (memory estimates before anything is built).
    public func parameterCount(inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant = .standard) -> Double {
        let inputWidth = inputShape.reduce(1, *)
        switch self {
        case let .mlp(hidden):
            let divisor = variant == .hiddenDividedAmongTasks ? Double(tasks) : 1
            let widths = [Double(inputWidth)] + hidden.map { max(1, (Double($0) / divisor).rounded(.down)) } + [Double(classes)]
            var count = 0.0
            for i in 1..<widths.count { count += (widths[i - 1] + 1) * widths[i] }
            if variant == .taskRoutedInput { count += Double(tasks - 1) * (widths[0] + 1) * widths[1] }
            if variant == .hiddenDividedAmongTasks { count *= Double(tasks) }
            return count
        case let .resnet18(width):
            let nf = variant == .hiddenDividedAmongTasks ? max(1, (Double(width) / Double(tasks)).rounded(.down)) : Double(width)
            let channels = Double(inputShape.count == 3 ? inputShape[0] : 1)
            var count = 9 * channels * nf + 2 * nf  // stem conv and batch norm
            var cin = nf
            for stage in 0..<4 {
                let cout = nf * Double(1 << stage)
                for block in 0..<2 {
                    count += 9 * cin * cout + 9 * cout * cout + 4 * cout
                    if block == 0 && (stage > 0 || cin != cout) { count += cin * cout + 2 * cout }
                    cin = cout
                }
            }
            count += (cin + 1) * Double(classes)
            return variant == .hiddenDividedAmongTasks ? count * Double(tasks) : count
        }
    }

    /// Activations (floats) one input row keeps through a forward pass (`training`: and the
    /// backward pass's gradients).
    public func activationsPerRow(inputWidth: Int, classes: Int, training: Bool) -> Double {
        switch self {
        case let .mlp(hidden): (training ? 4 : 2) * (hidden.reduce(0.0) { $0 + Double($1) } + Double(classes))
        // about 25 maps of nf·H·W per image over the stages (halving with each), twice with their
        // gradients, and the im2col buffer of the widest layer
        case let .resnet18(width): ((training ? 50 : 25) + 9) * Double(width) * Double(inputWidth)
        }
    }

    /// Rows evaluated at once: large blocks for an MLP's matrix products, small ones for a
    /// convolutional network's activations.
    public var evaluationBatch: Int {
        switch self {
        case .mlp: 1000
        case .resnet18: 100
        }
    }

    /// Why the model cannot take inputs of `inputShape` (channels × height × width), or nil.
    public func problem(withInput inputShape: [Int]) -> String? {
        guard case .resnet18 = self else { return nil }
        guard inputShape.count == 3 else { return "resnet18 needs image inputs (channels x height x width)" }
        // a 3x3 convolution with padding 1 and stride 2 maps n to (n − 1) / 2 + 1
        var (h, w) = (inputShape[1], inputShape[2])
        for _ in 0..<3 { (h, w) = ((h - 1) / 2 + 1, (w - 1) / 2 + 1) }
        return h == 4 && w == 4 ? nil
            : "resnet18 pools a 4x4 final map, but \(inputShape.map(String.init).joined(separator: "x")) inputs leave \(h)x\(w) (use 28x28 to 32x32 images)"
    }

    /// Why `variant` cannot be built from this spec, or nil when it can.
    public func problem(with variant: ModelVariant, tasks: Int) -> String? {
        switch (self, variant) {
        case (_, .standard): return nil
        case let (.mlp(hidden), .hiddenDividedAmongTasks):
            guard let narrow = hidden.first(where: { $0 < tasks }) else { return nil }
            return "independent divides each hidden layer among the \(tasks) tasks, but model.hidden has a layer of \(narrow) units"
        case (.mlp, .taskRoutedInput): return nil
        case (.resnet18, .taskRoutedInput):
            return "multimodal's task-specific input layers need an MLP (model.kind: mlp), not resnet18"
        case let (.resnet18(width), .hiddenDividedAmongTasks):
            return width < tasks ? "independent divides model.width \(width) among the \(tasks) tasks: it needs at least \(tasks)" : nil
        }
    }
}

/// What a strategy asks of the model builder beside the experiment's model.
public enum ModelVariant: Sendable, Equatable {
    /// The model as declared.
    case standard
    /// The same model with each hidden width divided by the number of tasks (one small network
    /// per task, the GEM paper's "independent").
    case hiddenDividedAmongTasks
    /// A task-specific input layer per task in front of shared layers (the paper's "multimodal").
    case taskRoutedInput
}
