import Foundation
import Metrics

/// Everything one run (experiment, strategy, seed) leaves behind. The runner fills it;
/// `RunFile.write` stores it as one HDF5 file (layout: docs/hdf5-layout.md).
public struct RunRecord: Sendable, Equatable {
    // MARK: Identity
    public var experiment: String
    public var strategy: String
    public var seed: Int
    /// e.g. "permuted-mnist", "rotated-mnist", "split-mnist".
    public var benchmark: String
    /// The full resolved config as YAML text.
    public var configYAML: String
    /// The flattened resolved config ("optimizer.lr" → "0.1"), stored as attributes of `/config`.
    public var configAttributes: [String: String]
    public var gembenchVersion: String
    /// The git commit of the code, or "unknown".
    public var gitCommit: String
    /// Where the run trained: CPU model, cores and lanes ("unknown" in files that predate it).
    public var machine: String = "unknown"
    /// OpenBLAS threads the run used, in files written before the project's own kernels
    /// (0 = none: runs compute on `Sources/CKernels`, whose bits no thread count changes).
    public var blasThreads: Int = 0
    /// The kernels' instruction-set path ("scalar", "avx2", "avx512", "neon"; "unknown" in files
    /// that predate the kernels). Any path gives the same bits; it says what ran, for speed.
    public var kernelPath: String = "unknown"
    /// `GEMBENCH_KERNELS_VERSION` of the kernels that computed the run (0: before them, when
    /// products ran on OpenBLAS and differed from CPU to CPU).
    public var kernelsVersion: Int = 0

    /// What computed the run, for `bench show` and `bench rerun`.
    public var kernelsDescription: String {
        kernelsVersion == 0
            ? "OpenBLAS, before the project's kernels (bits depend on the CPU that wrote it)"
            : "kernels v\(kernelsVersion), \(kernelPath) path"
    }
    /// ISO 8601 UTC, e.g. "2026-11-28T08:40:55Z" (see `RunRecord.now()`).
    public var created: String
    /// Dataset file name → SHA-256 (hex), stored as root attributes `sha256:<file>`.
    public var datasetChecksums: [String: String]

    // MARK: Tasks
    public var tasks: TaskDefinitions

    // MARK: Metrics (accuracies are fractions in [0, 1])
    /// R: row i = accuracy on every task after training task i. Normally T×T; every row
    /// has T entries.
    public var accuracyMatrix: [[Double]]
    /// b: accuracy of the randomly initialised model on each task (T).
    public var randomInitAccuracy: [Double]
    /// ACC, BWT, FWT, forgetting, BWT and FWT ÷T, LCA_10 as stored. nil = undefined (T = 1, joint
    /// training: stored as NaN and listed in `/metrics@undefined`) or, in a file written before
    /// it was stored, absent (`RunSummary` then recomputes it from R).
    public var metrics: ContinualMetrics
    /// Within-task curve (runs with `eval_every`): curve[k][j] = accuracy on task j after training
    /// iteration curveStep[k]; empty otherwise.
    public var curve: [[Double]] = []
    public var curveStep: [Int] = []
    /// earlyAccuracy[t][b]: accuracy on task t after b of its minibatches (b = 0 … 10), whose
    /// mean is `metrics.lca`.
    public var earlyAccuracy: [[Double]] = []

    // MARK: Training curves and timings
    /// One entry per training iteration.
    public var stepLoss: [Float]
    /// The task trained at each iteration (same length as `stepLoss`).
    public var stepTask: [Int32]
    /// Strategy diagnostics per iteration (same length as `stepLoss`), e.g.
    /// "gem_violations", "gem_active_set", "gem_min_dot". Names must not contain "/".
    public var diagnostics: [String: [Float]]
    public var taskTrainSeconds: [Double]
    public var taskEvalSeconds: [Double]
    public var totalSeconds: Double
    /// The peak resident set size while the run trained, in bytes (nil in files before it), and
    /// what it covers: "run" (the process's peak was reset when the run started, the only run in
    /// flight) or "process" (runs side by side share one process: an upper bound). See docs/hdf5-layout.md.
    public var peakRSSBytes: Int? = nil
    public var peakRSSScope: String? = nil

    // MARK: Model
    /// The final flat parameter vector.
    public var parameters: [Float]
    public var layerLayout: [LayerLayoutEntry]
    /// Non-trainable layer state at the end (batch-norm running statistics), with its layout;
    /// empty for models without state (stored as `/model/state` only when present).
    public var layerState: [Float] = []
    public var stateLayout: [LayerLayoutEntry] = []

    // MARK: Episodic memory (nil when the strategy keeps none)
    public var memory: EpisodicMemoryRecord?

    public init(
        experiment: String, strategy: String, seed: Int, benchmark: String,
        configYAML: String = "", configAttributes: [String: String] = [:],
        gembenchVersion: String = "unknown", gitCommit: String = "unknown", machine: String = "unknown",
        created: String = RunRecord.now(), datasetChecksums: [String: String] = [:],
        tasks: TaskDefinitions = TaskDefinitions(scenario: "", tasks: []),
        accuracyMatrix: [[Double]] = [], randomInitAccuracy: [Double] = [],
        metrics: ContinualMetrics = ContinualMetrics(acc: .nan),
        stepLoss: [Float] = [], stepTask: [Int32] = [], diagnostics: [String: [Float]] = [:],
        taskTrainSeconds: [Double] = [], taskEvalSeconds: [Double] = [], totalSeconds: Double = 0,
        parameters: [Float] = [], layerLayout: [LayerLayoutEntry] = [],
        memory: EpisodicMemoryRecord? = nil
    ) {
        self.experiment = experiment
        self.strategy = strategy
        self.seed = seed
        self.benchmark = benchmark
        self.configYAML = configYAML
        self.configAttributes = configAttributes
        self.gembenchVersion = gembenchVersion
        self.gitCommit = gitCommit
        self.machine = machine
        self.created = created
        self.datasetChecksums = datasetChecksums
        self.tasks = tasks
        self.accuracyMatrix = accuracyMatrix
        self.randomInitAccuracy = randomInitAccuracy
        self.metrics = metrics
        self.stepLoss = stepLoss
        self.stepTask = stepTask
        self.diagnostics = diagnostics
        self.taskTrainSeconds = taskTrainSeconds
        self.taskEvalSeconds = taskEvalSeconds
        self.totalSeconds = totalSeconds
        self.parameters = parameters
        self.layerLayout = layerLayout
        self.memory = memory
    }

    /// The record as a run summary keeps it (`RunFile.writeSummary`): everything but the per-step
    /// losses and diagnostics, the model and the episodic memory, which it empties.
    public func summarized() -> RunRecord {
        var summary = self
        summary.stepLoss = []
        summary.diagnostics = [:]
        (summary.parameters, summary.layerLayout) = ([], [])
        (summary.layerState, summary.stateLayout) = ([], [])
        summary.memory = nil
        return summary
    }

    /// The datasets whose first non-finite value marks a diverged run, in the order reports check them.
    static let divergencePaths = ["/train/loss", "/model/parameters"]

    /// The first non-finite training loss or final parameter ("/train/loss[37] = nan"), or nil.
    public var firstNonFinite: String? {
        zip(Self.divergencePaths, [stepLoss, parameters]).lazy
            .compactMap { path, values in Storage.firstNonFinite(values, at: path) }.first
    }

    /// The current time as ISO 8601 UTC with seconds ("2026-11-28T08:40:55Z").
    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}

/// The tasks of a run's stream.
public struct TaskDefinitions: Sendable, Equatable {
    /// e.g. "domain-incremental", "task-incremental", "class-incremental".
    public var scenario: String
    public var tasks: [TaskDefinition]

    public init(scenario: String, tasks: [TaskDefinition]) {
        self.scenario = scenario
        self.tasks = tasks
    }
}

/// One task: whichever of a pixel permutation, a rotation angle and a class subset defines it.
public struct TaskDefinition: Sendable, Equatable {
    /// Pixel permutation (e.g. 784 indices) for permuted benchmarks.
    public var permutation: [Int32]?
    /// Rotation angle in degrees for rotated benchmarks.
    public var angle: Double?
    /// The classes of the task for split benchmarks.
    public var classes: [Int32]?

    public init(permutation: [Int32]? = nil, angle: Double? = nil, classes: [Int32]? = nil) {
        self.permutation = permutation
        self.angle = angle
        self.classes = classes
    }
}

/// Where one layer's tensor lives in the flat parameter vector.
public struct LayerLayoutEntry: Sendable, Equatable, Codable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int

    public init(name: String, shape: [Int], offset: Int, count: Int) {
        self.name = name
        self.shape = shape
        self.offset = offset
        self.count = count
    }
}

/// The episodic memory at the end of a run: N patterns of D features.
public struct EpisodicMemoryRecord: Sendable, Equatable {
    /// N×D row-major.
    public var inputs: [Float]
    /// D, the number of features per pattern.
    public var featureCount: Int
    public var labels: [Int32]
    /// The task each pattern came from.
    public var tasks: [Int32]

    public init(inputs: [Float], featureCount: Int, labels: [Int32], tasks: [Int32]) {
        self.inputs = inputs
        self.featureCount = featureCount
        self.labels = labels
        self.tasks = tasks
    }

    public var count: Int { labels.count }
}

/// What reports need of a run, read without the curves, parameters and memory.
public struct RunSummary: Sendable, Equatable {
    /// The file's name (not its folder), e.g. "permuted-mnist__gem__seed0.h5".
    public var fileName: String
    public var experiment: String
    public var strategy: String
    public var seed: Int
    public var benchmark: String
    public var scenario: String
    public var taskCount: Int
    /// As stored; forgetting and BWT and FWT ÷T recomputed from R and b for files that predate
    /// them (`withRecomputedLaterMetrics`). NaN values of the file read as nil (undefined).
    public var metrics: ContinualMetrics
    /// As `RunRecord.curve` and `curveStep`: accuracy on every task during training (runs with
    /// `eval_every`); empty otherwise.
    public var curve: [[Double]] = []
    public var curveStep: [Int] = []
    /// The training iterations (from 1) after which a new task's training begins, from
    /// `/train/task`: where the curve crosses from one task to the next.
    public var taskBoundaries: [Int] = []
    /// The first non-finite training loss or final parameter, e.g. "/train/loss[37] = nan":
    /// a diverged run, whose numbers mean nothing (files written before runs stopped on it).
    public var firstNonFinite: String? = nil
    public var accuracyMatrix: [[Double]]
    public var randomInitAccuracy: [Double]
    /// Sum of the per-task training times.
    public var trainSeconds: Double
    public var evalSeconds: Double
    public var totalSeconds: Double
    /// As `RunRecord.peakRSSBytes` and `peakRSSScope`.
    public var peakRSSBytes: Int? = nil
    public var peakRSSScope: String? = nil
    public var gembenchVersion: String
    public var gitCommit: String
    public var machine: String = "unknown"
    public var created: String
    /// The experiment folders the run was planned with in front of the shipped one (the config's
    /// `experiment_folders`); a command that plans the run again names them with `--experiments`.
    public var experimentFolders: [String] = []

    public init(
        fileName: String, experiment: String, strategy: String, seed: Int, benchmark: String,
        scenario: String, taskCount: Int, metrics: ContinualMetrics,
        accuracyMatrix: [[Double]], randomInitAccuracy: [Double], trainSeconds: Double,
        evalSeconds: Double, totalSeconds: Double, gembenchVersion: String, gitCommit: String,
        created: String
    ) {
        self.fileName = fileName
        self.experiment = experiment
        self.strategy = strategy
        self.seed = seed
        self.benchmark = benchmark
        self.scenario = scenario
        self.taskCount = taskCount
        self.metrics = metrics
        self.accuracyMatrix = accuracyMatrix
        self.randomInitAccuracy = randomInitAccuracy
        self.trainSeconds = trainSeconds
        self.evalSeconds = evalSeconds
        self.totalSeconds = totalSeconds
        self.gembenchVersion = gembenchVersion
        self.gitCommit = gitCommit
        self.created = created
    }

    /// The summary of a record in memory (e.g. a run just finished).
    public init(_ record: RunRecord, fileName: String? = nil) {
        self.init(
            fileName: fileName
                ?? RunFile.fileName(
                    experiment: record.experiment, strategy: record.strategy,
                    seed: record.seed),
            experiment: record.experiment, strategy: record.strategy, seed: record.seed,
            benchmark: record.benchmark, scenario: record.tasks.scenario,
            taskCount: record.randomInitAccuracy.count, metrics: record.metrics.withoutNaN,
            accuracyMatrix: record.accuracyMatrix, randomInitAccuracy: record.randomInitAccuracy,
            trainSeconds: record.taskTrainSeconds.reduce(0, +),
            evalSeconds: record.taskEvalSeconds.reduce(0, +), totalSeconds: record.totalSeconds,
            gembenchVersion: record.gembenchVersion, gitCommit: record.gitCommit, created: record.created)
        machine = record.machine
        (peakRSSBytes, peakRSSScope) = (record.peakRSSBytes, record.peakRSSScope)
        experimentFolders = Self.folders(record.configAttributes[Self.experimentFoldersKey])
        (curve, curveStep) = (record.curve, record.curveStep)
        taskBoundaries = Self.boundaries(record.stepTask)
    }

    /// The config attribute that lists the experiment folders (absent when there were none).
    static let experimentFoldersKey = "experiment_folders"

    /// The folders of a stored `experiment_folders` value, a flow list of JSON strings (`["a", "b"]`).
    static func folders(_ stored: String?) -> [String] {
        guard let stored, let list = try? JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String] else {
            return []
        }
        return list
    }

    /// The iterations i (from 1) whose next iteration trains another task than i.
    static func boundaries(_ stepTask: [Int32]) -> [Int] {
        stepTask.indices.dropFirst().filter { stepTask[$0] != stepTask[$0 - 1] }
    }
}

/// "PATH[i] = value" for the first non-finite entry of `values`: the mark of a diverged run.
func firstNonFinite(_ values: [Float], at path: String) -> String? {
    values.firstIndex(where: { !$0.isFinite }).map { "\(path)[\($0)] = \(values[$0])" }
}
