import Benchmarks
import Learning

/// Synaptic Intelligence (Zenke, Poole & Ganguli, ICML 2017; "PI", path integral, in the A-GEM
/// paper), as the A-GEM code computes it.
///
/// During a task each parameter sums its share of the loss decrease along the path it took,
/// ω_i = Σ_steps −g_i Δθ_i, with g the gradient of the loss alone (without the penalty) and Δθ
/// the update the optimizer applied. At the task's end
///
///     Ω_i += max(0, ω_i / ((θ_i − θ*_i)² + ξ)),   θ* ← θ,   ω ← 0
///
/// with θ* the parameters at the task's start (the previous task's end, or the initialisation).
/// Every step then adds the gradient of c Σ_i Ω_i (θ_i − θ*_i)².
///
/// Keys: `si_lambda` is the paper's c (the A-GEM code's `--synap-stgth`); `eps` is ξ (the A-GEM
/// code's fixed `PARAM_XI_STEP` = 1e-3). Avalanche's `SynapticIntelligence` has the same names,
/// but its loss is `si_lambda`/2 · Σ Ω (θ − θ*)², so its `si_lambda` is twice ours.
public enum SI: StrategyDefinition {
    public static let name = "si"
    public static let abstract =
        "Synaptic Intelligence (PI): importances from each parameter's path integral of the loss"

    public static let parameters: [StrategyParameter] = [
        StrategyParameter("si_lambda", .nonNegativeDouble, help: "penalty strength c"),
        StrategyParameter(
            "eps", .positiveDouble, default: .double(1e-3),
            help: "damping ξ of the importance's denominator (the A-GEM code's 1e-3)"),
    ]

    /// Ω and Ω ∘ θ*, θ*, ω, and the step's loss gradient and starting parameters.
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 6 }

    public static func summary(_ values: StrategyValues) -> String {
        "si si_lambda=\(values.double("si_lambda").description) eps=\(values.double("eps").description)"
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [SIPlugin(lambda: Float(values.double("si_lambda")), xi: Float(values.double("eps")))]
    }
}

public final class SIPlugin: Plugin {
    public let lambda: Float
    public let xi: Float
    /// Ω and Ω ∘ θ*.
    private(set) var penalty = QuadraticPenalty()
    /// θ*: the parameters at the end of the last task (at the start, the initialisation).
    private var anchor: [Float] = []
    /// ω, this task's path integral so far.
    private var path = PathIntegral(count: 0)

    public init(lambda: Float, xi: Float) {
        precondition(lambda >= 0 && xi > 0, "SI needs a non-negative strength and a positive damping")
        (self.lambda, self.xi) = (lambda, xi)
    }

    public var changesGradient: Bool { true }

    public func beforeTraining(_ trainer: Trainer) {
        anchor = trainer.network.parameters.array
        path = PathIntegral(count: anchor.count)
    }

    /// Keeps g (the loss's gradient, before the penalty's is added) and θ, then adds the penalty's.
    public func afterBackward(_ trainer: Trainer) {
        let g = trainer.network.gradients.pointer
        let theta = trainer.network.parameters.pointer
        path.recordStep(gradient: g, parameters: theta)
        penalty.addGradient(strength: lambda, parameters: theta, into: g)
    }

    /// ω += −g ∘ Δθ, Δθ the update just applied.
    public func afterUpdate(_ trainer: Trainer) { path.addStep(parameters: trainer.network.parameters.pointer) }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let theta = trainer.network.parameters.pointer
        var importance = penalty.isEmpty ? [Float](repeating: 0, count: anchor.count) : penalty.importance
        for i in 0..<anchor.count {
            let distance = theta[i] - anchor[i]
            let share = path.path[i] / (distance * distance + xi)
            if share > 0 { importance[i] += share }  // the A-GEM code's relu of each task's share
            anchor[i] = theta[i]
        }
        path.reset()
        penalty.replace(importance: importance, anchor: theta)
    }

    /// Ω, Ω ∘ θ*, θ* and ω (a checkpoint falls between two steps, where the step's copies are free).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        penalty.save(into: &state, importanceKey: "importance", anchorKey: "weighted_anchor")
        state.set("anchor", floats: anchor)
        path.save(into: &state, key: "path")
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        let p = trainer.network.parameterCount
        try penalty.restore(from: state, importanceKey: "importance", anchorKey: "weighted_anchor", parameterCount: p)
        anchor = try state.floats("anchor", count: p)
        try path.restore(from: state, key: "path")
    }
}
