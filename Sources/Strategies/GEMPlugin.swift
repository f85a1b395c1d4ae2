import Benchmarks
import Learning
import QuadraticProgram

/// Gradient Episodic Memory (Lopez-Paz & Ranzato, NeurIPS 2017), with Avalanche's API.
///
/// After each task, `patternsPerExperience` of its patterns go into an episodic memory.
/// Before every training iteration, the gradient g_k of each past task's memory is computed
/// at the current parameters (all tasks in one batched pass). After backward, if the
/// minibatch gradient g has a negative dot product with any g_k, it is replaced by
/// g̃ = Mᵀv + g, where v solves the dual QP
///     min ½ vᵀ(MMᵀ + εI)v + (Mg)ᵀv   s.t.  v ≥ memoryStrength      (float64, ε = 1e-3).
public final class GEMPlugin: Plugin {
    public let patternsPerExperience: Int
    public let memoryStrength: Float
    public let eps: Double
    public let memory: EpisodicMemory
    public let referenceGradients: ReferenceGradientMode
    /// Whether the first layer's products over the memories skip their zero inputs
    /// (`SparseRows`): the same sums in another order, about twice as fast on MNIST (19% non-zero
    /// pixels), slower than sgemm on Fashion-MNIST (50%).
    public let sparseFirstLayer: Bool

    /// How the reference gradients are obtained each step.
    public enum ReferenceGradientMode: String, Sendable, CaseIterable, Codable {
        /// One batched forward and backward over every memory, every step.
        case direct
        /// The same numbers (up to float32 rounding) from low-rank updates between steps;
        /// see `IncrementalReferences`.
        case incremental
    }

    private let direct = ReferenceGradients()
    private let incremental = IncrementalReferences()
    /// The incremental path runs where it is exact (see `IncrementalReferences`), else the direct one.
    private var usesIncremental = false
    private var projected = false
    private var gram: [Float] = [], gram64: [Double] = [], dots: [Float] = []
    private var dots64: [Double] = [], dual: [Double] = [], dual32: [Float] = [], workspace: [Double] = []
    private var violations: [Float] = [], activeSet: [Float] = [], minDot: [Float] = []

    /// - Parameters:
    ///   - patternsPerExperience: patterns of each task kept in memory (paper: 256).
    ///   - memoryStrength: the dual variables' lower bound; larger values push the projected
    ///     gradient further into the feasible cone (paper: 0.5).
    ///   - memorySelection: `.recent` (the reference code's ring buffer) or `.random` (Avalanche).
    public init(patternsPerExperience: Int, memoryStrength: Float, memorySelection: MemorySelection = .random,
                inputWidth: Int = 784, seed: UInt64 = 0, eps: Double = 1e-3,
                referenceGradients: ReferenceGradientMode = .direct, sparseFirstLayer: Bool = false) {
        precondition(patternsPerExperience > 0, "GEM needs at least one pattern per experience")
        precondition(memoryStrength >= 0, "memory strength must be non-negative")
        self.patternsPerExperience = patternsPerExperience
        self.memoryStrength = memoryStrength
        self.eps = eps
        self.referenceGradients = referenceGradients
        self.sparseFirstLayer = sparseFirstLayer
        memory = EpisodicMemory(patternsPerTask: patternsPerExperience, selection: memorySelection,
                                width: inputWidth, seed: seed)
    }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        memory.observe(trainer.batch, rows: trainer.batch.count)
        guard memory.taskCount > 0 else { return }
        usesIncremental = referenceGradients == .incremental
            && IncrementalReferences.supports(trainer.network, momentum: trainer.optimizer.momentum)
        if usesIncremental {
            incremental.prepare(trainer.network, data: memory.all, segments: memory.segments,
                                heads: trainer.heads, threads: trainer.settings.threads, sparseInputs: sparseInputs)
        } else {
            direct.compute(trainer.network, data: memory.all, segments: memory.segments,
                           heads: trainer.heads, threads: trainer.settings.threads, sparseInputs: sparseInputs)
        }
    }

    private var sparseInputs: SparseRows? { sparseFirstLayer ? memory.sparseInputs : nil }

    private var references: ReferenceGradients { usesIncremental ? incremental.references : direct }

    public func afterBackward(_ trainer: Trainer) {
        let k = memory.taskCount
        guard k > 0 else {
            violations.append(0); activeSet.append(0); minDot.append(.nan)
            return
        }
        let network = trainer.network
        let p = network.parameterCount
        let m = references.matrix.pointer
        let g = network.gradients.pointer
        resize(k)
        // Mg: one dot product per past task.
        if usesIncremental {
            trainer.batch.inputs.withUnsafeBufferPointer { x in
                incremental.dots(network, data: memory.all, segments: memory.segments, batch: x.baseAddress!,
                                 rows: trainer.batch.count, sparseInputs: sparseInputs,
                                 threads: trainer.settings.threads, into: &dots)
            }
        } else {
            BLAS.gemm(m: k, n: 1, k: p, a: m, lda: p, b: g, ldb: 1, c: &dots, ldc: 1)
        }
        var violated = 0
        for i in 0..<k where dots[i] < 0 { violated += 1 }
        violations.append(Float(violated))
        projected = violated > 0
        guard violated > 0 else {
            activeSet.append(0); minDot.append(dots[0..<k].min()!)
            return
        }
        if usesIncremental {
            // the QP needs whole reference gradients (its dots are already exact up to rounding)
            incremental.formFirstLayer(network, data: memory.all, threads: trainer.settings.threads,
                                       sparseInputs: sparseInputs)
        }
        // MMᵀ in float32 through BLAS, the QP itself in float64.
        BLAS.gemm(transB: true, m: k, n: k, k: p, a: m, lda: p, b: m, ldb: p, c: &gram, ldc: k)
        for i in 0..<(k * k) { gram64[i] = Double(gram[i]) }
        for i in 0..<k { dots64[i] = Double(dots[i]) }
        let result = DualQP.solve(gram: gram64, linear: dots64, count: k, memoryStrength: Double(memoryStrength),
                                  eps: eps, solution: &dual, workspace: &workspace)
        activeSet.append(Float(result.freeCount))
        // g̃ = Mᵀv + g
        for i in 0..<k { dual32[i] = Float(dual[i]) }
        BLAS.gemm(transA: true, m: p, n: 1, k: k, a: m, lda: p, b: dual32, ldb: 1, beta: 1, c: g, ldc: 1)
        // ⟨g̃, g_i⟩ = ⟨g, g_i⟩ + (MMᵀv)_i, from the QP's own inputs rather than another pass over M
        var smallest = Double.infinity
        for i in 0..<k {
            var s = dots64[i]
            for j in 0..<k { s += gram64[i * k + j] * dual[j] }
            smallest = min(smallest, s)
        }
        minDot.append(Float(smallest))
    }

    public func afterUpdate(_ trainer: Trainer) {
        guard memory.taskCount > 0, usesIncremental else { return }
        incremental.afterUpdate(trainer.network, projected: projected, learningRate: trainer.optimizer.learningRate)
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        memory.finishTask(task)
    }

    public var diagnostics: [String: [Float]] {
        ["gem_violations": violations, "gem_active_set": activeSet, "gem_min_dot": minDot]
    }

    public var episodicMemory: LabeledData? { memory.all }

    /// Reference gradient of past task k from the last `beforeTrainingIteration` (for tests).
    func referenceRow(_ k: Int) -> UnsafeMutablePointer<Float> { references.row(k) }

    private func resize(_ k: Int) {
        guard dots.count < k else { return }
        gram = [Float](repeating: 0, count: k * k); gram64 = [Double](repeating: 0, count: k * k)
        dots = [Float](repeating: 0, count: k); dots64 = [Double](repeating: 0, count: k)
        dual = [Double](repeating: 0, count: k); dual32 = [Float](repeating: 0, count: k)
        workspace = [Double](repeating: 0, count: DualQP.workspaceCount(for: k))
    }
}
