import Benchmarks
import Learning

/// Learning without Forgetting (Li & Hoiem 2016), as Avalanche's `LearningWithoutForgetting`
/// computes it. After each task a frozen copy of the model is kept; on every later step its
/// outputs on the minibatch's inputs are targets for the current model's, through
///
///     alpha · Σ_G (1/rows) Σ_rows KL(softmax(z′_G / T) ‖ softmax(z_G / T))
///
/// beside the mean cross-entropy: z the current logits, z′ the copy's (in eval mode), T the
/// temperature, G a group of old classes. Task-incremental streams have one group per finished
/// task, its head's classes (every old head is distilled); other streams one group, every class
/// of the finished tasks (class-incremental: the old classes; domain-incremental: all).
/// Like Avalanche (and the paper's loss), no T² factor. The gradient with respect to z_c is
/// alpha · (p_c − q_c) / (T · rows), p and q the current and copied softened outputs.
public enum LwF: StrategyDefinition {
    public static let name = "lwf"
    public static let abstract =
        "learning without forgetting: distil the previous model's softened outputs on the current inputs"
    public static let parameters: [StrategyParameter] = [
        StrategyParameter(
            "alpha", .nonNegativeDouble, default: .double(1),
            help: "weight of the distillation term (Avalanche's default)"),
        StrategyParameter(
            "temperature", .positiveDouble, default: .double(2),
            help: "softmax temperature T of the distillation (the paper's and Avalanche's 2)"),
    ]

    /// The copy's forward pass over the minibatch, on every task after the first.
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(context.batchSize) * Double(context.tasks - 1) / Double(context.tasks)
    }

    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    {
        extraRowsPerStep(values, in: context) * row.forward
    }

    /// The frozen copy.
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 1 }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) throws -> [Plugin] {
        // the copy's initial weights are overwritten by the model's after the first task
        var rng = RandomStream(seed: build.seed, purpose: "lwf/copy")
        return [
            LwFPlugin(
                alpha: Float(values.double("alpha")), temperature: Float(values.double("temperature")),
                copy: try build.makeNetwork(.standard, &rng))
        ]
    }
}

public final class LwFPlugin: Plugin {
    public let alpha: Float
    public let temperature: Float
    /// The model as it was after the last finished task (valid once `finished` is not empty).
    private let previous: Network
    /// The classes of each finished task, in training order.
    public private(set) var finished: [[Int]] = []
    private var groups: [[Int]] = []

    /// `copy`: a network of the trained model's architecture, to hold the frozen copy.
    public init(alpha: Float, temperature: Float, copy: Network) {
        precondition(alpha >= 0 && temperature > 0, "LwF needs alpha ≥ 0 and a positive temperature")
        (self.alpha, self.temperature, previous) = (alpha, temperature, copy)
        previous.mode = .eval
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        previous.parameters.copy(from: trainer.network.parameters)
        previous.state.copy(from: trainer.network.state)
        finished.append(task.classes)
        groups = LwFPlugin.groups(finished, taskIncremental: trainer.heads != nil)
    }

    /// One group per finished task's head when task-incremental, else one of all their classes.
    static func groups(_ finished: [[Int]], taskIncremental: Bool) -> [[Int]] {
        taskIncremental ? finished : [Array(Set(finished.joined())).sorted()]
    }

    public func addLoss(
        _ trainer: Trainer, logits: UnsafePointer<Float>,
        logitGradient: UnsafeMutablePointer<Float>
    ) -> Double {
        guard !finished.isEmpty else { return 0 }
        let batch = trainer.batch
        let targets = batch.inputs.withUnsafeBufferPointer { x in
            batch.tasks.withUnsafeBufferPointer { t in
                UnsafePointer(previous.forward(x.baseAddress!, rows: batch.count, tasks: t.baseAddress!))
            }
        }
        return LwFPlugin.distillation(
            logits: logits, previous: targets, rows: batch.count,
            classes: trainer.network.outputWidth, groups: groups,
            temperature: temperature, alpha: alpha, gradient: logitGradient)
    }

    /// alpha · Σ_groups (1/rows) Σ_rows KL(q ‖ p), q and p the softmax of `previous` and `logits`
    /// (rows × classes) over the group's classes divided by `temperature`; adds its gradient
    /// alpha (p − q) / (temperature · rows) into `gradient` and returns the term.
    static func distillation(
        logits: UnsafePointer<Float>, previous: UnsafePointer<Float>, rows: Int, classes: Int,
        groups: [[Int]], temperature: Float, alpha: Float,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        let widest = groups.map(\.count).max() ?? 0
        var p = [Float](repeating: 0, count: widest)
        var logP = p
        var q = p
        var logQ = p
        let scale = alpha / (temperature * Float(rows))
        var total = 0.0
        for r in 0..<rows {
            for group in groups {
                softened(logits + r * classes, group, temperature, into: &p, logs: &logP)
                softened(previous + r * classes, group, temperature, into: &q, logs: &logQ)
                var kl = 0.0
                for (i, c) in group.enumerated() {
                    if q[i] > 0 { kl += Double(q[i] * (logQ[i] - logP[i])) }
                    gradient[r * classes + c] += scale * (p[i] - q[i])
                }
                total += kl
            }
        }
        return Double(alpha) * total / Double(rows)
    }

    /// softmax(z_G / T) and its logarithm over the group's classes, in the group's order.
    private static func softened(
        _ z: UnsafePointer<Float>, _ group: [Int], _ temperature: Float,
        into p: inout [Float], logs: inout [Float]
    ) {
        let n = group.count
        var top = -Float.infinity
        for (i, c) in group.enumerated() {
            logs[i] = z[c] / temperature
            top = max(top, logs[i])
        }
        for i in 0..<n { logs[i] -= top }
        Kernels.exp(n, logs, into: &p)
        var sum: Float = 0
        for i in 0..<n { sum += p[i] }
        let logSum = Kernels.log(sum)
        for i in 0..<n {
            p[i] /= sum
            logs[i] -= logSum
        }
    }

    /// The copy's parameters and layer state, and the classes of the finished tasks.
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        state.set("finished_tasks", finished.count)
        for (k, classes) in finished.enumerated() { state.set("finished/\(k)/classes", integers: classes) }
        guard !finished.isEmpty else { return }
        state.set("previous/parameters", floats: previous.parameters.array)
        state.set("previous/state", floats: previous.state.array)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        let count = try state.int("finished_tasks")
        finished = try (0..<count).map { try state.integers("finished/\($0)/classes") }
        groups = LwFPlugin.groups(finished, taskIncremental: trainer.heads != nil)
        guard !finished.isEmpty else { return }
        previous.parameters.copy(
            from: FloatBuffer(try state.floats("previous/parameters", count: previous.parameterCount)))
        previous.state.copy(from: FloatBuffer(try state.floats("previous/state", count: previous.state.count)))
    }
}
