import Benchmarks
import Learning
import QuadraticProgram

/// Gradient Episodic Memory (Lopez-Paz & Ranzato, NeurIPS 2017), with Avalanche's API.
///
/// After each task, `patterns_per_experience` of its patterns go into an episodic memory.
/// Before every training iteration, the gradient g_k of each past task's memory is computed
/// at the current parameters. After backward, if the minibatch gradient g has a negative dot
/// product with any g_k, it is replaced by g̃ = Mᵀv + g, where v solves the dual QP
///     min ½ vᵀ(MMᵀ + εI)v + (Mg)ᵀv   s.t.  v ≥ memory_strength      (float64, ε = 1e-3).
///
/// How g_k and ⟨g, g_k⟩ are obtained is a `ReferenceGradientSource`: the textbook batched
/// pass every step (`direct`), or low-rank updates of the first layer between steps
/// (`incremental`, MLPs with a plain SGD step); `sparse_first_layer` skips zero inputs in the
/// first layer's products over the memories. All give the same numbers up to float32 rounding.
public enum GEM: StrategyDefinition {
    public static let name = "gem"
    public static let abstract = "Gradient Episodic Memory: project the gradient so no past task's memory loss grows"

    public static let parameters: [StrategyParameter] = [
        StrategyParameter("patterns_per_experience", .positiveInt, help: "patterns of each task kept in memory (paper: 256)"),
        StrategyParameter("memory_strength", .nonNegativeDouble,
                          help: "lower bound of the dual variables; larger pushes further into the feasible cone (paper: 0.5)"),
        .choice("memory_selection", MemorySelection.self, label: "memory selection", default: .random,
                help: "random (Avalanche) or recent (the reference code's ring buffer)"),
        // How, not what: `auto` (the default) picks the fastest path the model allows. Run files
        // written before these two keys existed used the direct, dense computation.
        .choice("reference_gradients", GEMPlugin.ReferenceGradientMode.self, label: "reference gradients",
                whenNotStored: .direct,
                help: "auto, incremental (low-rank first-layer updates between steps; MLPs) or direct (the textbook pass)",
                automatic: { $0.isMLP ? .incremental : .direct }),
        StrategyParameter("sparse_first_layer", .bool, whenNotStored: .bool(false),
                          help: "auto, true or false: skip zero inputs in the first layer's products over the memories (MLPs)",
                          automatic: { .bool($0.isMLP) }),
    ]

    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        var problems = checkPatternsFit("patterns_per_experience", values, context)
        if !context.model.isMLP {
            // both fast paths rest on a fully connected first layer
            if values.choice("reference_gradients", as: GEMPlugin.ReferenceGradientMode.self) == .incremental {
                problems.append(StrategyProblem(key: "reference_gradients",
                    "incremental reference gradients need an MLP (a fully connected first layer); set reference_gradients: direct or auto for \(context.model.kind)"))
            }
            if values.bool("sparse_first_layer") {
                problems.append(StrategyProblem(key: "sparse_first_layer",
                    "the sparse first layer needs an MLP; set sparse_first_layer: false or auto for \(context.model.kind)"))
            }
        }
        return problems
    }

    public static func summary(_ values: StrategyValues) -> String {
        var parts = ["gem", "ppe=\(values.int("patterns_per_experience"))",
                     "strength=\(values.double("memory_strength").description)",
                     values.choice("memory_selection", as: MemorySelection.self).rawValue,
                     values.choice("reference_gradients", as: GEMPlugin.ReferenceGradientMode.self).rawValue]
        if values.bool("sparse_first_layer") { parts.append("sparse") }
        return parts.joined(separator: " ")
    }

    /// Half the past tasks' memories on average over the run.
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience") * (context.tasks - 1)) / 2
    }

    /// The memories' passes as each path makes them. A fully connected first layer costs
    /// 3 × its forward per row (forward and weight gradient as 2P + 4P counts them), over the
    /// non-zero inputs with `sparse_first_layer`. Incremental: every step the layers above it,
    /// and the first layer only on projected steps (g_k's first-layer entries, then Z1 again)
    /// and at the resync every 25 steps; `projectedShare` of the steps project.
    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double {
        let rows = extraRowsPerStep(values, in: context), first = row.firstLayerForward
        guard first > 0 else { return rows * row.full }
        let density = values.bool("sparse_first_layer") ? row.inputDensity : 1
        switch values.choice("reference_gradients", as: GEMPlugin.ReferenceGradientMode.self) {
        case .direct:
            return rows * (row.full - 3 * first * (1 - density))
        case .incremental:
            return rows * (row.full - 3 * first + (2 * projectedShare + 1.0 / 25) * first * density)
        }
    }

    /// Steps whose gradient GEM projects, for the cost estimate: 38%, 42% and 57% of all steps
    /// in the paper's permuted MNIST, split MNIST and the A-GEM paper's runs under Results/.
    static let projectedShare = 0.5

    /// Every task's memory, and one reference gradient per past task.
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience")) * Double(context.tasks)
    }
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(context.tasks)
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [GEMPlugin(patternsPerExperience: values.int("patterns_per_experience"),
                   memoryStrength: Float(values.double("memory_strength")),
                   memorySelection: values.choice("memory_selection"), inputWidth: build.stream.inputWidth,
                   seed: build.seed, referenceGradients: values.choice("reference_gradients"),
                   sparseFirstLayer: values.bool("sparse_first_layer"))]
    }
}

public final class GEMPlugin: Plugin {
    public let patternsPerExperience: Int
    public let memoryStrength: Float
    public let eps: Double
    public let memory: EpisodicMemory
    public let referenceGradients: ReferenceGradientMode
    public let sparseFirstLayer: Bool

    /// How the reference gradients are obtained each step.
    public enum ReferenceGradientMode: String, Sendable, CaseIterable, Codable {
        /// One batched forward and backward over every memory, every step.
        case direct
        /// The same numbers (up to float32 rounding) from low-rank updates between steps;
        /// see `IncrementalReferences`.
        case incremental
    }

    private var source: ReferenceGradientSource = DirectReferences()
    private var projected = false
    private var gram: [Float] = [], gram64: [Double] = [], dots: [Float] = []
    private var dots64: [Double] = [], dual: [Double] = [], dual32: [Float] = [], workspace: [Double] = []
    private var violations: [Float] = [], bindingConstraints: [Float] = [], minDot: [Float] = []

    /// - Parameters:
    ///   - patternsPerExperience: patterns of each task kept in memory (paper: 256).
    ///   - memoryStrength: the dual variables' lower bound (paper: 0.5).
    ///   - memorySelection: `.recent` (the reference code's ring buffer) or `.random` (Avalanche).
    ///   - referenceGradients, sparseFirstLayer: how the reference gradients are computed.
    public init(patternsPerExperience: Int, memoryStrength: Float, memorySelection: MemorySelection,
                inputWidth: Int, seed: UInt64, eps: Double = 1e-3,
                referenceGradients: ReferenceGradientMode, sparseFirstLayer: Bool) {
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

    /// The incremental path assumes the optimizer moves the first layer by the minibatch's own
    /// low-rank gradient: no other plugin may change it.
    public func check(_ trainer: Trainer) throws {
        let others = trainer.plugins.filter { $0 !== self && $0.changesGradient }
        if referenceGradients == .incremental, !others.isEmpty {
            throw StrategyConflict("GEM's incremental reference gradients need the minibatch gradient as backward "
                                   + "leaves it, but \(others.map { "\(type(of: $0))" }.joined(separator: ", ")) "
                                   + "changes it; use reference_gradients: direct")
        }
    }

    public func beforeTraining(_ trainer: Trainer) {
        let incremental = referenceGradients == .incremental
            && IncrementalReferences.supports(trainer.network, momentum: trainer.optimizer.momentum)
        source = incremental ? IncrementalReferences() : DirectReferences()
    }

    public var changesGradient: Bool { true }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        memory.observe(trainer.batch, rows: trainer.batch.count)
        guard memory.taskCount > 0 else { return }
        source.prepare(trainer, memory: memory, sparseInputs: sparseInputs)
    }

    public func afterBackward(_ trainer: Trainer) {
        let k = memory.taskCount
        guard k > 0 else {
            violations.append(0); bindingConstraints.append(0); minDot.append(.nan)
            return
        }
        resize(k)
        // Mg: one dot product per past task.
        source.constraintDots(trainer, memory: memory, sparseInputs: sparseInputs, into: &dots)
        let violated = dots[0..<k].filter { $0 < 0 }.count
        violations.append(Float(violated))
        // a non-finite gradient cannot be projected; the trainer stops the run at its loss
        projected = violated > 0 && dots[0..<k].allSatisfy(\.isFinite)
        guard projected else {
            bindingConstraints.append(0); minDot.append(dots[0..<k].min()!)
            return
        }
        let p = trainer.network.parameterCount
        let m = source.matrix(trainer, memory: memory, sparseInputs: sparseInputs)
        let g = trainer.network.gradients.pointer
        // MMᵀ in float32 (16-chain dot products), the QP itself in float64.
        Kernels.gram(count: k, n: p, rows: m, stride: p, into: &gram)
        for i in 0..<(k * k) { gram64[i] = Double(gram[i]) }
        for i in 0..<k { dots64[i] = Double(dots[i]) }
        guard gram64[0..<(k * k)].allSatisfy(\.isFinite) else {
            projected = false
            bindingConstraints.append(0); minDot.append(.nan)
            return
        }
        let result = DualQP.solve(gram: gram64, linear: dots64, count: k, memoryStrength: Double(memoryStrength),
                                  eps: eps, solution: &dual, workspace: &workspace)
        bindingConstraints.append(Float(result.freeCount))
        // g̃ = Mᵀv + g
        for i in 0..<k { dual32[i] = Float(dual[i]) }
        Kernels.gemm(transA: true, m: p, n: 1, k: k, a: m, lda: p, b: dual32, ldb: 1, accumulate: true, c: g, ldc: 1)
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
        guard memory.taskCount > 0 else { return }
        source.afterUpdate(trainer, projected: projected)
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        memory.finishTask(task)
    }

    /// `gem_binding_constraints`: past tasks whose constraint the projection holds at equality
    /// (dual variable above `memoryStrength`; DualQP's free set), 0 on steps without projection.
    public var diagnostics: [String: [Float]] {
        ["gem_violations": violations, "gem_binding_constraints": bindingConstraints, "gem_min_dot": minDot]
    }

    public var episodicMemory: LabeledData? { memory.all }

    /// The memory, the reference-gradient source's carried state and the diagnostics so far
    /// (the QP's buffers and `projected` belong to one step; the source's kind follows from
    /// the config in `beforeTraining`).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        var part = SavedState()
        memory.save(into: &part)
        state.merge(part, under: "memory")
        part = SavedState()
        source.save(into: &part)
        state.merge(part, under: "source")
        state.set("violations", floats: violations)
        state.set("binding_constraints", floats: bindingConstraints)
        state.set("min_dot", floats: minDot)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try memory.restore(from: state.substate(under: "memory"))
        try source.restore(from: state.substate(under: "source"))
        violations = try state.floats("violations")
        bindingConstraints = try state.floats("binding_constraints", count: violations.count)
        minDot = try state.floats("min_dot", count: violations.count)
    }

    private var sparseInputs: SparseRows? { sparseFirstLayer ? memory.sparseInputs : nil }

    /// Reference gradient of past task k from the last `beforeTrainingIteration` (for tests).
    func referenceRow(_ k: Int) -> UnsafeMutablePointer<Float> { source.references.row(k) }

    private func resize(_ k: Int) {
        guard dots.count < k else { return }
        gram = [Float](repeating: 0, count: k * k); gram64 = [Double](repeating: 0, count: k * k)
        dots = [Float](repeating: 0, count: k); dots64 = [Double](repeating: 0, count: k)
        dual = [Double](repeating: 0, count: k); dual32 = [Float](repeating: 0, count: k)
        workspace = [Double](repeating: 0, count: DualQP.workspaceCount(for: k))
    }
}
