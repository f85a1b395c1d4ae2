import Benchmarks
import Learning

/// A continual-learning method as the registry, run files and `bench list` see it: its name,
/// its YAML keys, how it is checked, summarised, costed and built. Each strategy is one file
/// that declares one of these beside its plugin; `StrategyList.all` names them all.
///
/// The registry validates every key against `parameters` (types, bounds, choices, with
/// `FILE:LINE:COL` messages), fills in defaults, then calls `validate` for checks that involve
/// several keys or the benchmark. Run files store every key in `parameters` order, so a
/// resolved strategy reads back exactly.
public protocol StrategyDefinition {
    /// The method's name as written in YAML (`method:`), e.g. `gem`.
    static var name: String { get }
    /// One line for `bench list`.
    static var abstract: String { get }
    /// The YAML keys, in canonical order.
    static var parameters: [StrategyParameter] { get }
    /// What the strategy asks of the model builder (default: the experiment's model as it is).
    static func modelVariant(_ values: StrategyValues) -> ModelVariant
    /// Checks beyond each key's own type and bounds; problems name the key they are about.
    static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem]
    /// A short summary for `--dry-run`, e.g. `gem ppe=256 strength=0.5 recent incremental sparse`.
    static func summary(_ values: StrategyValues) -> String
    /// Rows pushed through the network per step besides the minibatch (memories, replay rows),
    /// for the cost and memory estimates.
    static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double
    /// FLOPs per step besides the minibatch's (default: `extraRowsPerStep` full forward and
    /// backward passes); methods that skip part of that work say what they do instead.
    static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    /// FLOPs of one test row's prediction, averaged over the tasks (default: the network's forward,
    /// an MLP's first layer over the non-zero inputs); methods that predict with other networks say so.
    static func evaluationFLOPsPerRow(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    /// Input rows the method keeps (episodic memories, buffers) at most, for the memory estimate.
    static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double
    /// Vectors of the parameters' size it keeps besides the model's (reference gradients, anchors).
    static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double
    /// The plugins that make the training loop this method.
    static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) throws -> [Plugin]
}

extension StrategyDefinition {
    public static func modelVariant(_ values: StrategyValues) -> ModelVariant { .standard }
    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] { [] }
    public static func summary(_ values: StrategyValues) -> String {
        ([name] + parameters.map { "\($0.key)=\(values[$0.key].canonicalText)" }).joined(separator: " ")
    }
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double { 0 }
    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    {
        extraRowsPerStep(values, in: context) * row.full
    }
    public static func evaluationFLOPsPerRow(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs)
        -> Double
    {
        row.sparseForward
    }
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double { 0 }
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 0 }
}

/// One YAML key of a strategy.
public struct StrategyParameter: Sendable {
    public enum Kind: Sendable, Equatable {
        case positiveInt
        case nonNegativeDouble
        case positiveDouble
        /// A number in [0, 1].
        case fraction
        case bool
        /// One of `options`; `label` names the kind in messages ("unknown memory selection 'x'").
        case choice(options: [String], label: String)
    }

    public let key: String
    public let kind: Kind
    /// The value when the YAML omits the key; nil makes the key required.
    public let defaultValue: ParameterValue?
    /// What a stored run config without this key means: for keys added after run files were
    /// written, the behaviour those files had. Nil: the key must be stored.
    public let valueWhenNotStored: ParameterValue?
    /// One line for `bench list` and docs.
    public let help: String
    /// For a key that may be `auto` (then its default): the value the method picks for the
    /// run's model. Run files store the value picked, so they read back as any other.
    public let automatic: (@Sendable (ModelSpec) -> ParameterValue)?

    public init(
        _ key: String, _ kind: Kind, default defaultValue: ParameterValue? = nil,
        whenNotStored valueWhenNotStored: ParameterValue? = nil, help: String,
        automatic: (@Sendable (ModelSpec) -> ParameterValue)? = nil
    ) {
        (self.key, self.kind, self.defaultValue, self.valueWhenNotStored, self.help, self.automatic) =
            (key, kind, defaultValue, valueWhenNotStored, help, automatic)
    }

    /// The YAML word that asks for `automatic`'s pick.
    public static let autoWord = "auto"

    /// The value when the YAML omits the key: `automatic`'s pick for `model`, or `defaultValue`.
    public func defaultValue(for model: ModelSpec) -> ParameterValue? {
        automatic.map { $0(model) } ?? defaultValue
    }

    /// A choice among the raw values of `E`.
    public static func choice<E: RawRepresentable & CaseIterable>(
        _ key: String, _ type: E.Type, label: String, default defaultValue: E? = nil,
        whenNotStored: E? = nil, help: String,
        automatic: (@Sendable (ModelSpec) -> E)? = nil
    ) -> StrategyParameter where E.RawValue == String {
        var pickValue: (@Sendable (ModelSpec) -> ParameterValue)?
        if let automatic { pickValue = { model in ParameterValue.choice(automatic(model).rawValue) } }
        return StrategyParameter(
            key, .choice(options: E.allCases.map(\.rawValue), label: label),
            default: defaultValue.map { .choice($0.rawValue) },
            whenNotStored: whenNotStored.map { .choice($0.rawValue) }, help: help,
            automatic: pickValue)
    }
}

/// A parameter's value.
public enum ParameterValue: Sendable, Hashable, Codable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case choice(String)

    /// The text run files store: integers and choices as written, doubles in the shortest text
    /// that parses back to the same bits, `true`/`false`.
    public var canonicalText: String {
        switch self {
        case .int(let i): String(i)
        case .double(let d): d.description
        case .bool(let b): b ? "true" : "false"
        case .choice(let s): s
        }
    }
}

/// A strategy's resolved keys, in its `parameters` order.
public struct StrategyValues: Sendable, Hashable, Codable {
    public private(set) var entries: [Entry]

    public struct Entry: Sendable, Hashable, Codable {
        public let key: String
        public let value: ParameterValue
    }

    public init(_ entries: [(String, ParameterValue)] = []) {
        self.entries = entries.map { Entry(key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> ParameterValue {
        guard let entry = entries.first(where: { $0.key == key }) else {
            preconditionFailure("strategy parameter '\(key)' was not resolved")
        }
        return entry.value
    }

    public func int(_ key: String) -> Int {
        guard case .int(let i) = self[key] else { preconditionFailure("'\(key)' is not an integer") }
        return i
    }

    public func double(_ key: String) -> Double {
        guard case .double(let d) = self[key] else { preconditionFailure("'\(key)' is not a number") }
        return d
    }

    public func bool(_ key: String) -> Bool {
        guard case .bool(let b) = self[key] else { preconditionFailure("'\(key)' is not a boolean") }
        return b
    }

    public func choice<E: RawRepresentable>(_ key: String, as type: E.Type = E.self) -> E where E.RawValue == String {
        guard case .choice(let s) = self[key], let e = E(rawValue: s) else {
            preconditionFailure("'\(key)' is not a \(E.self)")
        }
        return e
    }
}

/// What validation and cost estimates may know of the run beside the strategy's own keys.
public struct StrategyContext: Sendable {
    public var tasks: Int
    /// Training samples per task when the benchmark fixes them (nil: the whole split).
    public var samplesPerTask: Int?
    /// The most training samples one task can hold, when known before the data is loaded.
    public var availablePerTask: Int?
    public var batchSize: Int
    /// Passes over each task's training samples.
    public var epochs: Int
    public var momentum: Double
    public var scenario: Scenario
    public var model: ModelSpec
    /// Channels × height × width of one input (a flat width for vectors), and the class count.
    public var inputShape: [Int]
    public var classes: Int

    /// Without `inputShape` and `classes`: MNIST's (1 × 28 × 28, 10 classes).
    public init(
        tasks: Int, samplesPerTask: Int?, availablePerTask: Int?, batchSize: Int, epochs: Int = 1,
        momentum: Double, scenario: Scenario, model: ModelSpec, inputShape: [Int] = [1, 28, 28], classes: Int = 10
    ) {
        (
            self.tasks, self.samplesPerTask, self.availablePerTask, self.batchSize, self.epochs, self.momentum,
            self.scenario, self.model, self.inputShape, self.classes
        ) =
            (tasks, samplesPerTask, availablePerTask, batchSize, epochs, momentum, scenario, model, inputShape, classes)
    }
}

/// The products one input row costs in the run's network, for cost estimates.
public struct RowFLOPs: Sendable, Equatable {
    public var forward: Double
    public var backward: Double
    /// The first layer's part of `forward` when it is fully connected (MLPs; 0 otherwise).
    public var firstLayerForward: Double
    /// The fraction of input values that are non-zero, which sparse first-layer kernels touch.
    public var inputDensity: Double

    public init(forward: Double, backward: Double, firstLayerForward: Double = 0, inputDensity: Double = 1) {
        (self.forward, self.backward, self.firstLayerForward, self.inputDensity) =
            (forward, backward, firstLayerForward, inputDensity)
    }

    /// Forward and backward.
    public var full: Double { forward + backward }
    /// Forward with the first layer over the non-zero inputs only.
    public var sparseForward: Double { forward - firstLayerForward * (1 - inputDensity) }
}

/// A problem `validate` found: the key it concerns (nil: the strategy as a whole) and why.
public struct StrategyProblem: Sendable, Equatable {
    public let key: String?
    public let message: String
    public init(key: String?, _ message: String) { (self.key, self.message) = (key, message) }
}

/// What building a strategy's plugins may use.
public struct StrategyBuild {
    public let stream: TaskStream
    public let seed: UInt64
    public let model: ModelSpec
    /// Builds one more network of the run's model (independent training builds one per task).
    public let makeNetwork: (ModelVariant, inout RandomStream) throws -> Network

    public init(
        stream: TaskStream, seed: UInt64, model: ModelSpec,
        makeNetwork: @escaping (ModelVariant, inout RandomStream) throws -> Network
    ) {
        (self.stream, self.seed, self.model, self.makeNetwork) = (stream, seed, model, makeNetwork)
    }
}

extension StrategyDefinition {
    /// Memory per experience cannot exceed what an experience holds.
    static func checkPatternsFit(_ key: String, _ values: StrategyValues, _ context: StrategyContext)
        -> [StrategyProblem]
    {
        let patterns = values.int(key)
        guard let available = context.samplesPerTask ?? context.availablePerTask, patterns > available else {
            return []
        }
        return [
            StrategyProblem(key: key, "\(patterns) patterns per experience exceed the \(available) samples per task")
        ]
    }
}
