/// The network a run trains, as an experiment declares it (`model:` in YAML). Built in one
/// place, `build`, from the spec, the input shape and the class count of the task stream.
public enum ModelSpec: Sendable, Hashable, Codable {
    /// Fully connected layers `input-h1-...-hk-classes` with ReLU between them.
    case mlp(hidden: [Int])

    /// The GEM paper's MNIST model: two hidden layers of 100 units.
    public static let `default` = ModelSpec.mlp(hidden: [100, 100])

    /// The YAML `kind:`.
    public var kind: String {
        switch self {
        case .mlp: "mlp"
        }
    }

    /// Hidden widths of an MLP (nil for other kinds).
    public var hiddenWidths: [Int]? {
        switch self {
        case let .mlp(hidden): hidden
        }
    }

    /// Builds the network for inputs of `inputShape` (channels × height × width, or a flat
    /// width) and `classes` outputs, initialised from `rng`.
    public func build(inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant = .standard,
                      rng: inout RandomStream) -> Network {
        let inputWidth = inputShape.reduce(1, *)
        switch self {
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
    public func parameterCount(inputWidth: Int, classes: Int, tasks: Int, variant: ModelVariant = .standard) -> Double {
        switch self {
        case let .mlp(hidden):
            let divisor = variant == .hiddenDividedAmongTasks ? Double(tasks) : 1
            let widths = [Double(inputWidth)] + hidden.map { max(1, (Double($0) / divisor).rounded(.down)) } + [Double(classes)]
            var count = 0.0
            for i in 1..<widths.count { count += (widths[i - 1] + 1) * widths[i] }
            if variant == .taskRoutedInput { count += Double(tasks - 1) * (widths[0] + 1) * widths[1] }
            if variant == .hiddenDividedAmongTasks { count *= Double(tasks) }
            return count
        }
    }

    /// Activations (floats) one input row keeps through a forward and backward pass.
    public func activationsPerRow(inputWidth: Int, classes: Int) -> Double {
        switch self {
        case let .mlp(hidden): 2 * 2 * (hidden.reduce(0.0) { $0 + Double($1) } + Double(classes))
        }
    }

    /// Why `variant` cannot be built from this spec, or nil when it can.
    public func problem(with variant: ModelVariant, tasks: Int) -> String? {
        switch (self, variant) {
        case (_, .standard): return nil
        case let (.mlp(hidden), .hiddenDividedAmongTasks):
            guard let narrow = hidden.first(where: { $0 < tasks }) else { return nil }
            return "independent divides each hidden layer among the \(tasks) tasks, but model.hidden has a layer of \(narrow) units"
        case (.mlp, .taskRoutedInput): return nil
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
