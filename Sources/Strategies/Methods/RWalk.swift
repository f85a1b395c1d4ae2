import Benchmarks
import Learning

/// Riemannian Walk (Chaudhry, Dokania, Ajanthan & Torr, ECCV 2018), as the A-GEM code
/// (facebookresearch/agem, `model/model.py`, `fc_permute_mnist.py`) computes it.
///
/// Within a task, with g each step's loss gradient (without the penalty) and k its step in the task:
/// - every step: T += g² (T summed from the task's start), ω += −g ∘ Δθ (Δθ the update applied);
/// - before every step with (k + 1) mod Δt = 0: the score of the interval,
///   R += max(0, ω / (ξ + F ∘ (θ − θ_Δ)²)), then the online Fisher F ← (1 − α) F + (α / Δt) T,
///   θ_Δ ← θ, ω ← 0.
/// At a task's end (R doubled after the first task): s ← s + (s + R) / 2; the penalty's weights
/// are F̂ + ŝ, each min-max normalised over all parameters, x̂ = (x − min x) / (max x − min x + 1e-32);
/// θ* ← θ, θ_Δ ← θ, and T, ω, R restart from 0 (F and s carry on). Every step adds the gradient
/// of λ Σ_i (F̂_i + ŝ_i)(θ_i − θ*_i)².
///
/// Keys as Avalanche's `RWalkPlugin`: `ewc_lambda` (λ, the A-GEM code's `--synap-stgth`),
/// `ewc_alpha` (α, its `FISHER_EMA_DECAY`), `delta_t` (Δt, its `FISHER_UPDATE_AFTER`); `eps` is
/// its ξ (`PARAM_XI_STEP`). Avalanche computes the scores and normalisation otherwise.
public enum RWalk: StrategyDefinition {
    public static let name = "rwalk"
    public static let abstract = "Riemannian Walk: online Fisher plus path scores normalised by the loss change"

    public static let parameters: [StrategyParameter] = [
        StrategyParameter("ewc_lambda", .nonNegativeDouble, help: "penalty strength λ"),
        StrategyParameter(
            "ewc_alpha", .fraction, default: .double(0.9),
            help: "weight of the new Fisher estimate in the moving average (the A-GEM code's 0.9)"),
        StrategyParameter(
            "delta_t", .positiveInt, default: .int(10),
            help: "steps between updates of the Fisher and the scores (the A-GEM code's 10)"),
        StrategyParameter(
            "eps", .positiveDouble, default: .double(1e-3),
            help: "damping ξ of the scores' denominator (the A-GEM code's 1e-3)"),
    ]

    /// F, T, ω, R, θ_Δ, s, Ω and Ω ∘ θ*, and the step's loss gradient and starting parameters.
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 10 }

    public static func summary(_ values: StrategyValues) -> String {
        "rwalk ewc_lambda=\(values.double("ewc_lambda").description) ewc_alpha=\(values.double("ewc_alpha").description)"
            + " delta_t=\(values.int("delta_t")) eps=\(values.double("eps").description)"
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [
            RWalkPlugin(
                lambda: Float(values.double("ewc_lambda")), alpha: Float(values.double("ewc_alpha")),
                deltaT: values.int("delta_t"), xi: Float(values.double("eps")))
        ]
    }
}

public final class RWalkPlugin: Plugin {
    public let lambda: Float
    public let alpha: Float
    public let deltaT: Int
    public let xi: Float
    /// (F̂ + ŝ) and (F̂ + ŝ) ∘ θ*.
    private(set) var penalty = QuadraticPenalty()
    /// F, the online Fisher, and T, this task's sum of squared gradients.
    private var fisher: [Float] = [], squaredGradients: [Float] = []
    /// ω since the last update.
    private var path = PathIntegral(count: 0)
    /// θ_Δ at the last update, R this task's scores, s the scores so far.
    private var intervalStart: [Float] = [], taskScore: [Float] = [], score: [Float] = []
    /// Steps done in the current task, and tasks finished.
    private var step = 0, finishedTasks = 0

    public init(lambda: Float, alpha: Float, deltaT: Int, xi: Float) {
        precondition(
            lambda >= 0 && (0...1).contains(alpha) && deltaT > 0 && xi > 0,
            "RWalk needs λ ≥ 0, α in [0, 1], Δt > 0 and ξ > 0")
        (self.lambda, self.alpha, self.deltaT, self.xi) = (lambda, alpha, deltaT, xi)
    }

    public var changesGradient: Bool { true }

    public func beforeTraining(_ trainer: Trainer) {
        let p = trainer.network.parameterCount
        let zeros = [Float](repeating: 0, count: p)
        (fisher, squaredGradients, taskScore, score) = (zeros, zeros, zeros, zeros)
        path = PathIntegral(count: p)
        intervalStart = trainer.network.parameters.array
    }

    public func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) { step = 0 }

    /// Every Δt steps: the interval's scores, then the Fisher's moving average.
    public func beforeTrainingIteration(_ trainer: Trainer) {
        guard (step + 1) % deltaT == 0 else { return }
        let theta = trainer.network.parameters.pointer
        let decay = 1 - alpha
        let weight = alpha / Float(deltaT)
        for i in 0..<fisher.count {
            let moved = theta[i] - intervalStart[i]
            let share = path.path[i] / (xi + fisher[i] * (moved * moved))
            if share > 0 { taskScore[i] += share }
            fisher[i] = decay * fisher[i] + weight * squaredGradients[i]
            intervalStart[i] = theta[i]
        }
        path.reset()
    }

    /// Keeps g (before the penalty's gradient is added) and θ, adds g² to T, then the penalty's gradient.
    public func afterBackward(_ trainer: Trainer) {
        let g = trainer.network.gradients.pointer
        let theta = trainer.network.parameters.pointer
        path.recordStep(gradient: g, parameters: theta)
        for i in 0..<squaredGradients.count { squaredGradients[i] += g[i] * g[i] }
        penalty.addGradient(strength: lambda, parameters: theta, into: g)
    }

    /// ω += −g ∘ Δθ, Δθ the update just applied.
    public func afterUpdate(_ trainer: Trainer) {
        path.addStep(parameters: trainer.network.parameters.pointer)
        step += 1
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let theta = trainer.network.parameters.pointer
        // the A-GEM code doubles the first task's scores, "so that subsequent averaging does not hurt"
        let first: Float = finishedTasks == 0 ? 2 : 1
        for i in 0..<score.count { score[i] += (score[i] + first * taskScore[i]) / 2 }
        let normalisedFisher = Self.minMaxNormalised(fisher)
        let normalisedScore = Self.minMaxNormalised(score)
        var importance = [Float](repeating: 0, count: score.count)
        for i in 0..<score.count {
            importance[i] = normalisedFisher[i] + normalisedScore[i]
            intervalStart[i] = theta[i]
            (squaredGradients[i], taskScore[i]) = (0, 0)
        }
        path.reset()
        penalty.replace(importance: importance, anchor: theta)
        finishedTasks += 1
    }

    /// (x − min x) / (max x − min x + 1e-32), min and max over every entry.
    static func minMaxNormalised(_ x: [Float]) -> [Float] {
        guard let low = x.min(), let high = x.max() else { return x }
        let range = high - low + 1e-32
        return x.map { ($0 - low) / range }
    }

    /// Everything but the step's copies of g and θ (a checkpoint falls between two steps).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        penalty.save(into: &state, importanceKey: "importance", anchorKey: "weighted_anchor")
        state.set("fisher", floats: fisher)
        state.set("squared_gradients", floats: squaredGradients)
        path.save(into: &state, key: "path")
        state.set("interval_start", floats: intervalStart)
        state.set("task_score", floats: taskScore)
        state.set("score", floats: score)
        state.set("step", step)
        state.set("finished_tasks", finishedTasks)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        let p = trainer.network.parameterCount
        try penalty.restore(from: state, importanceKey: "importance", anchorKey: "weighted_anchor", parameterCount: p)
        fisher = try state.floats("fisher", count: p)
        squaredGradients = try state.floats("squared_gradients", count: p)
        try path.restore(from: state, key: "path")
        intervalStart = try state.floats("interval_start", count: p)
        taskScore = try state.floats("task_score", count: p)
        score = try state.floats("score", count: p)
        step = try state.int("step")
        finishedTasks = try state.int("finished_tasks")
    }
}
