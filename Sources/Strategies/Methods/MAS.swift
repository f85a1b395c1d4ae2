import Benchmarks
import Learning

/// Memory Aware Synapses (Aljundi et al., ECCV 2018).
///
/// After each task (but the last: nothing trains after it), every training sample x of the task
/// is passed through the network in eval mode and the importance of parameter i is
///
///     Ω_task,i = (1/N) Σ_groups | Σ_{x ∈ group} ∂‖f(x)‖²₂ / ∂θ_i |
///
/// over the task's N samples in consecutive groups of `importance_batch` rows: with groups of one
/// (the default) the mean of each sample's absolute gradient, as the paper defines it; groups of 10
/// are the A-GEM code's batches. f(x) is the network's output (a task-incremental row's own head).
/// The importances merge as Avalanche's and FACIL's do, Ω ← α Ω + (1 − α) Ω_task (the A-GEM code
/// keeps the last task's alone: α = 0), the anchor θ* becomes the current parameters, and every
/// step adds the gradient of λ Σ_i Ω_i (θ_i − θ*_i)² (`lambda_reg`; Avalanche's loss halves it).
public enum MAS: StrategyDefinition {
    public static let name = "mas"
    public static let abstract = "Memory Aware Synapses: importances from the gradient of the output's squared norm"

    public static let parameters: [StrategyParameter] = [
        StrategyParameter("lambda_reg", .nonNegativeDouble, help: "penalty strength λ"),
        StrategyParameter(
            "alpha", .fraction, default: .double(0.5),
            help: "weight of the old importances when a task's are merged in (Avalanche's 0.5; the A-GEM code's 0)"),
        StrategyParameter(
            "importance_batch", .positiveInt, default: .int(1),
            help: "rows whose summed gradient is taken in absolute value (the paper's 1; the A-GEM code's 10)"),
    ]

    /// Ω and Ω ∘ θ*, and, after a task, its importances and one group's gradient.
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 4 }

    /// One forward and backward pass per training sample of every task but the last, spread over
    /// the task's steps.
    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    {
        guard let n = context.samplesPerTask ?? context.availablePerTask, n > 0, context.tasks > 0 else { return 0 }
        let steps = Double((n + context.batchSize - 1) / context.batchSize * context.epochs)
        return Double(n) * row.full / steps * Double(context.tasks - 1) / Double(context.tasks)
    }

    public static func summary(_ values: StrategyValues) -> String {
        "mas lambda_reg=\(values.double("lambda_reg").description) alpha=\(values.double("alpha").description)"
            + " importance_batch=\(values.int("importance_batch"))"
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [
            MASPlugin(
                lambda: Float(values.double("lambda_reg")), alpha: values.double("alpha"),
                importanceBatch: values.int("importance_batch"))
        ]
    }
}

public final class MASPlugin: Plugin {
    public let lambda: Float
    public let alpha: Double
    public let importanceBatch: Int
    /// Ω and Ω ∘ θ*.
    private(set) var penalty = QuadraticPenalty()
    private var groupGradient = FloatBuffer(count: 0)
    private var logitGradient: [Float] = []

    public init(lambda: Float, alpha: Double, importanceBatch: Int) {
        precondition(
            lambda >= 0 && (0...1).contains(alpha) && importanceBatch > 0,
            "MAS needs a non-negative strength, alpha in [0, 1] and a positive importance batch")
        (self.lambda, self.alpha, self.importanceBatch) = (lambda, alpha, importanceBatch)
    }

    public var changesGradient: Bool { true }

    public func afterBackward(_ trainer: Trainer) {
        penalty.addGradient(
            strength: lambda, parameters: trainer.network.parameters.pointer,
            into: trainer.network.gradients.pointer)
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        guard task.index != trainer.stream.tasks.last?.index else { return }
        let taskImportance = importance(trainer, task.train)
        var merged = penalty.isEmpty ? [Float](repeating: 0, count: taskImportance.count) : penalty.importance
        let old = Float(alpha)
        let new = Float(1 - alpha)
        for i in 0..<merged.count { merged[i] = old * merged[i] + new * taskImportance[i] }
        penalty.replace(importance: merged, anchor: trainer.network.parameters.pointer)
    }

    /// Ω_task: the mean over groups of `importanceBatch` consecutive samples of the absolute
    /// gradient of the group's Σ ‖f(x)‖², divided by the sample count; eval mode, so layer state
    /// is left as it is.
    func importance(_ trainer: Trainer, _ samples: TaskSamples) -> [Float] {
        let network = trainer.network
        let heads = trainer.heads
        let p = network.parameterCount
        let classes = network.outputWidth
        let n = samples.count
        var total = [Float](repeating: 0, count: p)
        if groupGradient.count < p { groupGradient = FloatBuffer(count: p) }
        if logitGradient.count < importanceBatch * classes {
            logitGradient = [Float](repeating: 0, count: importanceBatch * classes)
        }
        let g = groupGradient.pointer
        var scratch: [Float] = []
        network.mode = .eval
        defer { network.mode = .train }
        samples.tasks.withUnsafeBufferPointer { taskIDs in
            for start in stride(from: 0, to: n, by: importanceBatch) {
                let rows = min(importanceBatch, n - start)
                let tasks = taskIDs.baseAddress! + start
                samples.withRows(start..<(start + rows), scratch: &scratch) { x in
                    let z = network.forward(x, rows: rows, tasks: tasks)
                    logitGradient.withUnsafeMutableBufferPointer { dz in
                        // ∂‖z‖²/∂z = 2z on the row's outputs (its own head when task-incremental)
                        for r in 0..<rows {
                            for c in 0..<classes {
                                let allowed = heads?.isAllowed(task: Int(tasks[r]), class: c) ?? true
                                dz[r * classes + c] = allowed ? 2 * z[r * classes + c] : 0
                            }
                        }
                        groupGradient.fill(0)
                        network.backward(dz.baseAddress!, targets: [GradientTarget(rows: 0..<rows, gradient: g)])
                    }
                }
                for i in 0..<p { total[i] += g[i].magnitude }
            }
        }
        for i in 0..<p { total[i] /= Float(n) }
        return total
    }

    /// Ω and Ω ∘ θ* (the importance pass keeps nothing between tasks).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        penalty.save(into: &state, importanceKey: "importance", anchorKey: "weighted_anchor")
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try penalty.restore(
            from: state, importanceKey: "importance", anchorKey: "weighted_anchor",
            parameterCount: trainer.network.parameterCount)
    }
}
