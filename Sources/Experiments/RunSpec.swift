// The resolved configuration of one run: what the runner trains, what a run file stores.

import Benchmarks
import Data
import Strategies

/// Which task stream a run trains on.
public enum BenchmarkKind: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Each task applies its own fixed pixel permutation to every image.
    case permuted
    /// Each task rotates every image by its own angle.
    case rotated
    /// Each task holds a disjoint subset of the classes (pairs by default).
    case split
}



/// A task stream: which dataset, how it is cut into tasks, how much of it is used.
public struct BenchmarkSpec: Sendable, Equatable, Hashable, Codable {
    public var kind: BenchmarkKind
    public var dataset: DatasetName
    /// Number of tasks (experiences).
    public var tasks: Int
    /// Training samples per task; `nil` uses every training sample of the task.
    public var samplesPerTask: Int?
    /// Test samples per task; `nil` uses the whole test set of the task.
    public var testSamplesPerTask: Int?
    public var scenario: Scenario
    /// Rotated only: explicit angles in degrees, one per task. `nil`: task t draws its angle
    /// uniformly from [9t, 9(t+1)) with the run's seed (the GEM paper's scheme for 20 tasks).
    public var angles: [Double]?
    /// Split only: the order in which classes are dealt to tasks (a permutation of 0...9).
    /// `nil`: 0...9 in order, `10 / tasks` classes per task.
    public var classOrder: [Int]?

    public init(kind: BenchmarkKind, dataset: DatasetName = .mnist, tasks: Int, samplesPerTask: Int? = nil,
                testSamplesPerTask: Int? = nil, scenario: Scenario? = nil, angles: [Double]? = nil,
                classOrder: [Int]? = nil) {
        self.kind = kind
        self.dataset = dataset
        self.tasks = tasks
        self.samplesPerTask = samplesPerTask
        self.testSamplesPerTask = testSamplesPerTask
        self.scenario = scenario ?? (kind == .split ? .taskIncremental : .domainIncremental)
        self.angles = angles
        self.classOrder = classOrder
    }
}

/// A multilayer perceptron 784-h1-...-hk-10 with ReLU between layers.
public struct ModelSpec: Sendable, Equatable, Hashable, Codable {
    /// Hidden layer widths.
    public var hidden: [Int]
    public init(hidden: [Int] = [100, 100]) { self.hidden = hidden }
}

/// Plain SGD, with optional momentum.
public struct OptimizerSpec: Sendable, Equatable, Hashable, Codable {
    public var lr: Double
    public var batchSize: Int
    public var epochs: Int
    public var momentum: Double
    public init(lr: Double, batchSize: Int = 10, epochs: Int = 1, momentum: Double = 0) {
        self.lr = lr
        self.batchSize = batchSize
        self.epochs = epochs
        self.momentum = momentum
    }
}


/// A continual-learning method and its parameters.
public enum MethodSpec: Sendable, Equatable, Hashable, Codable {
    /// Fine-tune on each task in turn ("single" in the GEM paper).
    case naive
    /// Experience replay from an experience-balanced buffer of `memorySize` samples in total.
    case replay(memorySize: Int)
    /// Gradient Episodic Memory. `referenceGradients` and `sparseFirstLayer` choose how the same
    /// reference gradients are computed (see `GEMPlugin`); the defaults are the fast path. Run
    /// files written before these keys existed used `.direct` and no sparse first layer.
    case gem(patternsPerExperience: Int, memoryStrength: Double, memorySelection: MemorySelection,
             referenceGradients: GEMPlugin.ReferenceGradientMode = .incremental, sparseFirstLayer: Bool = true)
    /// Averaged GEM: one projection on the gradient of `sampleSize` memory samples.
    case agem(patternsPerExperience: Int, sampleSize: Int)
    /// Elastic Weight Consolidation, diagonal Fisher from `patternsPerExperience` stored samples.
    case ewc(patternsPerExperience: Int, lambda: Double)
    /// Offline training on all tasks at once (upper bound).
    case joint
    /// One network per task with hidden widths divided by the number of tasks;
    /// `warmStart`: each task's network starts from the previous task's weights.
    case independent(warmStart: Bool)
    /// A task-specific input layer per task; shared hidden and output layers.
    case multimodal

    /// The method's name as written in YAML (`method:`).
    public var name: String {
        switch self {
        case .naive: return "naive"
        case .replay: return "replay"
        case .gem: return "gem"
        case .agem: return "agem"
        case .ewc: return "ewc"
        case .joint: return "joint"
        case .independent: return "independent"
        case .multimodal: return "multimodal"
        }
    }

    /// Every method name, in documentation order.
    public static let names = ["naive", "replay", "gem", "agem", "ewc", "joint", "independent", "multimodal"]

    /// The YAML parameter keys of each method, in canonical order.
    public static let parameterKeys: [String: [String]] = [
        "naive": [],
        "replay": ["memory_size"],
        "gem": ["patterns_per_experience", "memory_strength", "memory_selection", "reference_gradients",
                "sparse_first_layer"],
        "agem": ["patterns_per_experience", "sample_size"],
        "ewc": ["patterns_per_experience", "lambda"],
        "joint": [],
        "independent": ["warm_start"],
        "multimodal": [],
    ]

    /// The parameters as (YAML key, canonical text) pairs, in canonical order.
    public var parameters: [(key: String, value: String)] {
        switch self {
        case .naive, .joint, .multimodal: return []
        case let .replay(m): return [("memory_size", String(m))]
        case let .gem(p, s, sel, references, sparse):
            return [("patterns_per_experience", String(p)), ("memory_strength", formatDouble(s)),
                    ("memory_selection", sel.rawValue), ("reference_gradients", references.rawValue),
                    ("sparse_first_layer", sparse ? "true" : "false")]
        case let .agem(p, s): return [("patterns_per_experience", String(p)), ("sample_size", String(s))]
        case let .ewc(p, l): return [("patterns_per_experience", String(p)), ("lambda", formatDouble(l))]
        case let .independent(w): return [("warm_start", w ? "true" : "false")]
        }
    }

    /// Samples this method stores per experience, if it keeps a per-experience memory.
    var patternsPerExperience: Int? {
        switch self {
        case let .gem(p, _, _, _, _), let .agem(p, _), let .ewc(p, _): return p
        default: return nil
        }
    }
}

/// One run: an experiment's strategy at one seed, fully resolved (inheritance, defaults and
/// per-strategy optimizer overrides applied).
public struct RunSpec: Sendable, Equatable, Hashable, Codable {
    /// The experiment's name.
    public var experiment: String
    /// The strategy's label in the experiment (e.g. `gem`, `single`); unique within it.
    public var strategy: String
    public var seed: Int
    public var benchmark: BenchmarkSpec
    public var model: ModelSpec
    /// The optimizer after the strategy's overrides.
    public var optimizer: OptimizerSpec
    public var method: MethodSpec
    /// The YAML file declaring the experiment (provenance only; not compared on resume).
    public var sourceFile: String

    public init(experiment: String, strategy: String, seed: Int, benchmark: BenchmarkSpec,
                model: ModelSpec = ModelSpec(), optimizer: OptimizerSpec, method: MethodSpec,
                sourceFile: String = "") {
        self.experiment = experiment
        self.strategy = strategy
        self.seed = seed
        self.benchmark = benchmark
        self.model = model
        self.optimizer = optimizer
        self.method = method
        self.sourceFile = sourceFile
    }

    /// `<experiment>__<strategy>__seed<N>`: unique within a plan, safe in file names.
    public var runID: String { "\(experiment)__\(strategy)__seed\(seed)" }

    /// The run file's name: `<experiment>__<strategy>__seed<N>.h5`.
    public var outputFileName: String { runID + ".h5" }
}

/// Shortest decimal text that parses back to exactly `x` (Swift's `description` is
/// round-trip exact: `0.1`, `0.003`, `1e-05`, `1000.0`).
func formatDouble(_ x: Double) -> String {
    x.description
}
