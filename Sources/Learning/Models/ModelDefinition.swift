/// One kind of model, declared in one place: its YAML keys, how it is built, which inputs and
/// strategy variants it cannot take, and the terms of the cost and memory estimates. A new model
/// is a file with a type conforming to it and one line in `ModelList.all`; the YAML reader, the
/// canonical run config, `bench list` and the estimates read everything from the definition.
public protocol ModelDefinition: Sendable {
    /// The YAML `kind:`.
    static var kind: String { get }
    /// One line for `bench list`.
    static var abstract: String { get }
    /// Its keys beside `kind`, in the order of the canonical config.
    static var keys: [ModelKey] { get }
    /// A fully connected network whose first layer reads the inputs (`model.hidden` its hidden
    /// widths): what GEM's incremental and sparse paths, PNN's columns and EWC's empirical Fisher
    /// need. The estimates count such a model's parameters and products in closed form.
    static var isMLP: Bool { get }
    /// Rows evaluated at once.
    static var evaluationBatch: Int { get }

    /// The network for inputs of `inputShape` (channels × height × width, or a flat width) and
    /// `classes` outputs, initialised from `rng`, in the `variant` a strategy asks for.
    static func build(
        _ spec: ModelSpec, inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant,
        rng: inout RandomStream
    ) throws -> Network
    /// Why the model cannot take inputs of `inputShape`, or nil.
    static func problem(_ spec: ModelSpec, withInput inputShape: [Int]) -> String?
    /// Why `variant` cannot be built, or nil.
    static func problem(_ spec: ModelSpec, with variant: ModelVariant, tasks: Int) -> String?
    /// Activations (floats) one input row keeps through a forward pass (`training`: and the
    /// backward pass's gradients), for the memory estimate.
    static func activationsPerRow(_ spec: ModelSpec, inputWidth: Int, classes: Int, training: Bool) -> Double
}

extension ModelDefinition {
    /// A conv net, unless the model says otherwise.
    public static var isMLP: Bool { false }
    /// Small blocks: a convolutional network's activations are large.
    public static var evaluationBatch: Int { 100 }
}

/// A YAML key of a model, e.g. `hidden: [100, 100]` or `width: 20`.
public struct ModelKey: Sendable {
    public enum Kind: Sendable {
        /// One positive integer.
        case positiveInt
        /// A non-empty list of positive integers.
        case positiveIntList
    }

    public let name: String
    public let kind: Kind
    /// The value when the key is not given (one element for a `positiveInt`).
    public let defaultValue: [Int]
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: [Int], help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// The network a run trains, as an experiment declares it (`model:` in YAML): a model kind of
/// `ModelList` and a value for each of its keys.
public struct ModelSpec: Sendable, Hashable {
    /// The definition's `kind`.
    public let kind: String
    /// Every key of the definition with its value (a `positiveInt` as a one-element list).
    public let values: [String: [Int]]

    /// The model of `definition` with `values`, its defaults for the keys not given.
    public init(_ definition: any ModelDefinition.Type, _ values: [String: [Int]] = [:]) {
        kind = definition.kind
        var all: [String: [Int]] = [:]
        for key in definition.keys { all[key.name] = values[key.name] ?? key.defaultValue }
        self.values = all
    }

    /// The GEM paper's MNIST model: two hidden layers of 100 units.
    public static let `default` = ModelSpec.mlp(hidden: [100, 100])

    public static func mlp(hidden: [Int]) -> ModelSpec { ModelSpec(MLP.self, ["hidden": hidden]) }
    public static func resnet18(width: Int) -> ModelSpec { ModelSpec(ReducedResNet18.self, ["width": [width]]) }

    public var definition: any ModelDefinition.Type {
        guard let definition = ModelList.named(kind) else { preconditionFailure("no model kind '\(kind)'") }
        return definition
    }

    /// Key `name`'s value.
    public func list(_ name: String) -> [Int] {
        guard let value = values[name] else { preconditionFailure("model \(kind) has no key '\(name)'") }
        return value
    }

    public func int(_ name: String) -> Int { list(name)[0] }

    /// Whether the model is an MLP (`ModelDefinition.isMLP`).
    public var isMLP: Bool { definition.isMLP }

    /// Hidden widths of an MLP (nil for other kinds).
    public var hiddenWidths: [Int]? { isMLP ? list("hidden") : nil }

    public func build(
        inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant = .standard,
        rng: inout RandomStream
    ) throws -> Network {
        try definition.build(self, inputShape: inputShape, classes: classes, tasks: tasks, variant: variant, rng: &rng)
    }

    public func problem(withInput inputShape: [Int]) -> String? { definition.problem(self, withInput: inputShape) }

    public func problem(with variant: ModelVariant, tasks: Int) -> String? {
        definition.problem(self, with: variant, tasks: tasks)
    }

    public func activationsPerRow(inputWidth: Int, classes: Int, training: Bool) -> Double {
        definition.activationsPerRow(self, inputWidth: inputWidth, classes: classes, training: training)
    }

    public var evaluationBatch: Int { definition.evaluationBatch }

    /// Parameters of the network `build` makes, in floating point so that absurd sizes give a large
    /// number rather than an overflow: an MLP's in closed form, any other model's from its built
    /// network's layout (built once per shape).
    public func parameterCount(inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant = .standard) -> Double
    {
        if let hidden = hiddenWidths {
            return MLP.parameterCount(
                hidden: hidden, inputWidth: inputShape.reduce(1, *), classes: classes,
                tasks: tasks, variant: variant)
        }
        return Double(
            BuiltNetworks.shape(
                of: self, inputShape: inputShape, classes: classes, tasks: tasks,
                variant: variant
            ).parameters)
    }

    /// `Network.productFLOPsPerImage` of the built network (0 when the shape cannot be built).
    public func productFLOPsPerImage(
        inputShape: [Int], classes: Int, tasks: Int,
        variant: ModelVariant = .standard
    ) -> (forward: Int, backward: Int) {
        BuiltNetworks.shape(of: self, inputShape: inputShape, classes: classes, tasks: tasks, variant: variant).flops
    }
}

extension ModelSpec: Codable {
    private enum CodingKeys: String, CodingKey { case kind, values }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        guard let definition = ModelList.named(kind) else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "no model kind '\(kind)'")
        }
        self.init(definition, try container.decode([String: [Int]].self, forKey: .values))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(values, forKey: .values)
    }
}

/// What a strategy asks of the model builder beside the experiment's model.
public enum ModelVariant: Sendable, Equatable, Hashable {
    /// The model as declared.
    case standard
    /// The same model with each hidden width divided by the number of tasks (one small network
    /// per task, the GEM paper's "independent").
    case hiddenDividedAmongTasks
    /// A task-specific input layer per task in front of shared layers (the paper's "multimodal").
    case taskRoutedInput
}
