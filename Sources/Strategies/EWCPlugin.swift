import Benchmarks
import Learning

/// Elastic Weight Consolidation (Kirkpatrick et al., PNAS 2017) as the GEM paper ran it.
///
/// After each task, `patternsPerExperience` of its patterns give a diagonal Fisher estimate
/// F_k = (∇ mean loss on those patterns)², the square of one batch gradient (the GEM reference
/// code's estimate, which its tuned strengths assume), and the parameters θ*_k are kept.
/// Every step then adds the gradient of λ Σ_k Σ_i F_k,i (θ_i − θ*_k,i)², that is
/// 2λ (Σ_k F_k ∘ θ − Σ_k F_k ∘ θ*_k): two running sums make it one pass over the parameters
/// however many tasks are past.
public final class EWCPlugin: Plugin {
    public let patternsPerExperience: Int
    public let lambda: Float
    private var selection: RandomStream
    private let gradient = ReferenceGradients()
    private var fisherSum: [Float] = []
    private var anchorSum: [Float] = []  // Σ_k F_k ∘ θ*_k
    private var memory: LabeledData?

    public init(patternsPerExperience: Int, lambda: Float, seed: UInt64 = 0) {
        precondition(patternsPerExperience > 0 && lambda >= 0, "EWC needs samples and a non-negative strength")
        self.patternsPerExperience = patternsPerExperience
        self.lambda = lambda
        selection = RandomStream(seed: seed, purpose: "ewc/selection")
    }

    public func afterBackward(_ trainer: Trainer) {
        guard !fisherSum.isEmpty else { return }
        let g = trainer.network.gradients.pointer, theta = trainer.network.parameters.pointer
        let scale = 2 * lambda
        for i in 0..<fisherSum.count { g[i] += scale * (fisherSum[i] * theta[i] - anchorSum[i]) }
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let network = trainer.network
        let n = min(patternsPerExperience, task.train.count)
        let samples = task.train.rows(selection.sample(n, from: task.train.count))
        gradient.compute(network, data: samples, segments: [0..<n], heads: trainer.heads,
                         threads: trainer.settings.threads)
        let p = network.parameterCount
        if fisherSum.isEmpty {
            fisherSum = [Float](repeating: 0, count: p)
            anchorSum = [Float](repeating: 0, count: p)
        }
        let g = gradient.row(0), theta = network.parameters.pointer
        for i in 0..<p {
            let f = g[i] * g[i]
            fisherSum[i] += f
            anchorSum[i] += f * theta[i]
        }
        if memory == nil { memory = samples } else { memory!.append(contentsOf: samples) }
    }

    public var episodicMemory: LabeledData? { memory }
}
