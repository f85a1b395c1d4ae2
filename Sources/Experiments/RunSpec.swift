// The resolved configuration of one run: what the runner trains, what a run file stores.

import Benchmarks
import Data
import Learning
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

    public init(
        kind: BenchmarkKind, dataset: DatasetName = .mnist, tasks: Int, samplesPerTask: Int? = nil,
        testSamplesPerTask: Int? = nil, scenario: Scenario? = nil, angles: [Double]? = nil,
        classOrder: [Int]? = nil
    ) {
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

extension BenchmarkSpec {
    /// The classes of each task: all of them, or a split's share in `classOrder`.
    public var classesPerTask: [[Int]] {
        let classes = dataset.classCount
        guard kind == .split else { return [[Int]](repeating: Array(0..<classes), count: tasks) }
        let order = classOrder ?? Array(0..<classes)
        let share = classes / max(tasks, 1)
        return (0..<tasks).map { t in Array(order[(t * share)..<((t + 1) * share)]) }
    }

    /// Training samples the smallest task holds (genuine data; checked before loading it).
    public var trainSamplesAvailable: Int { smallestTask(dataset.trainImagesPerClass) }

    /// Test samples the smallest task holds.
    public var testSamplesAvailable: Int { smallestTask(dataset.testImagesPerClass) }

    private func smallestTask(_ perClass: [Int]) -> Int {
        // permuted and rotated tasks hold the whole set (no per-task list: `tasks` may be huge)
        guard kind == .split else { return perClass.reduce(0, +) }
        return classesPerTask.map { $0.reduce(0) { $0 + perClass[$1] } }.min() ?? 0
    }
}

/// Plain SGD, with optional momentum.
public struct OptimizerSpec: Sendable, Equatable, Hashable, Codable {
    public var lr: Double
    public var batchSize: Int
    public var epochs: Int
    public var momentum: Double
    /// Evaluate every task every this many minibatches (0: off), for within-task curves and LCA.
    public var evalEvery: Int = 0
    /// Record LCA_10's early accuracies (the current task before and after each of its first 10
    /// minibatches) without the within-task curve; `evalEvery` > 0 records them too.
    public var lca: Bool = false
    public init(
        lr: Double, batchSize: Int = 10, epochs: Int = 1, momentum: Double = 0, evalEvery: Int = 0,
        lca: Bool = false
    ) {
        self.lr = lr
        self.batchSize = batchSize
        self.epochs = epochs
        self.momentum = momentum
        self.evalEvery = evalEvery
        self.lca = lca
    }
}

/// A continual-learning method and its resolved parameters; what each means is the
/// method's `StrategyDefinition` (see `StrategyList`).
public struct MethodSpec: Sendable, Equatable, Hashable, Codable {
    /// The method's name as written in YAML (`method:`).
    public var name: String
    /// Every parameter of the method, in its canonical order, defaults filled in.
    public var values: StrategyValues

    public init(name: String, values: StrategyValues) {
        self.name = name
        self.values = values
    }

    /// The method with `given` parameters and its defaults for the rest (`auto` keys picked for
    /// `model`); nil for an unknown method or a required parameter left out.
    public init?(_ name: String, _ given: [String: ParameterValue] = [:], model: ModelSpec = .default) {
        guard let definition = StrategyList.named(name) else { return nil }
        var entries: [(String, ParameterValue)] = []
        for parameter in definition.parameters {
            guard let value = given[parameter.key] ?? parameter.defaultValue(for: model) else { return nil }
            entries.append((parameter.key, value))
        }
        self.init(name: name, values: StrategyValues(entries))
    }

    public var definition: StrategyDefinition.Type {
        guard let definition = StrategyList.named(name) else { preconditionFailure("unknown method '\(name)'") }
        return definition
    }

    /// Every method name, in documentation order.
    public static var names: [String] { StrategyList.names }

    /// The parameters as (YAML key, canonical text) pairs, in canonical order.
    public var parameters: [(key: String, value: String)] {
        values.entries.map { ($0.key, $0.value.canonicalText) }
    }

    /// E.g. `gem ppe=256 strength=0.5 recent incremental sparse`.
    public var summary: String { definition.summary(values) }
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
    /// The experiment folders given in front of the shipped one (`--experiments`,
    /// GEMBENCH_EXPERIMENTS) when the run was planned: what a command must name to plan it
    /// again (provenance only; not compared on resume). Empty: the shipped folder alone.
    public var experimentFolders: [String]

    public init(
        experiment: String, strategy: String, seed: Int, benchmark: BenchmarkSpec,
        model: ModelSpec = .default, optimizer: OptimizerSpec, method: MethodSpec,
        sourceFile: String = "", experimentFolders: [String] = []
    ) {
        self.experiment = experiment
        self.strategy = strategy
        self.seed = seed
        self.benchmark = benchmark
        self.model = model
        self.optimizer = optimizer
        self.method = method
        self.sourceFile = sourceFile
        self.experimentFolders = experimentFolders
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
