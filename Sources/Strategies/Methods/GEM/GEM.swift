import Benchmarks
import Learning

/// Gradient Episodic Memory (Lopez-Paz & Ranzato, NeurIPS 2017), as the paper's Algorithm 1
/// runs it for each minibatch (x, y) of task t, each step named after the paper's equation:
///
/// 1. store: M_t ← M_t ∪ (x, y), `patterns_per_experience` of each task kept;
/// 2. reference gradients: g_k = ∂ℓ(f_θ, M_k)/∂θ of the episodic-memory loss of every past task k < t;
/// 3. check: the minibatch gradient g must satisfy the constraints ⟨g, g_k⟩ ≥ 0 for every k;
/// 4. project: otherwise g̃ = Gᵀv* + g, v* the solution of the projection's dual QP,
///    with the paper's code's margin `memory_strength` and εI (`GEMProjector`);
/// 5. step: θ ← θ − α g̃, the optimizer's own.
///
/// The registry's side (keys, checks, costs) is `GEM` in GEMDefinition.swift; how g_k is
/// computed (`direct`, the textbook pass, or `incremental`) is a `ReferenceGradientSource`.
public final class GEMPlugin: Plugin {
    public let memory: EpisodicMemory
    private var references: ReferenceGradientSource = DirectReferences()
    private let projector: GEMProjector
    private var dots: [Float] = []  // ⟨g, g_k⟩, one per past task
    private var projected = false  // this step's g was replaced by g̃
    private var record = GEMDiagnostics()

    /// Before the forward pass: steps 1 and 2.
    public func beforeTrainingIteration(_ trainer: Trainer) {
        memory.observe(trainer.batch, rows: trainer.batch.count)
        guard memory.taskCount > 0 else { return }
        references.prepare(trainer, memory: memory, sparseInputs: sparseInputs)
    }

    /// After backward, the network's gradients hold g: steps 3 and 4.
    public func afterBackward(_ trainer: Trainer) {
        let k = memory.taskCount
        guard k > 0 else {
            record.add(.noPastTask)
            projected = false
            return
        }
        if dots.count < k { dots = [Float](repeating: 0, count: k) }
        references.constraintDots(trainer, memory: memory, sparseInputs: sparseInputs, into: &dots)
        let outcome = projector.project(
            trainer.network.gradients.pointer, count: trainer.network.parameterCount,
            dots: dots, tasks: k
        ) {
            references.matrix(trainer, memory: memory, sparseInputs: sparseInputs)
        }
        projected = outcome.projected
        record.add(outcome)
    }

    /// Step 5 has been taken; the incremental source follows the parameters' move.
    public func afterUpdate(_ trainer: Trainer) {
        guard memory.taskCount > 0 else { return }
        references.afterUpdate(trainer, projected: projected)
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        memory.finishTask(task)
    }

    // MARK: configuration and bookkeeping

    public var memoryStrength: Float { projector.memoryStrength }
    public var eps: Double { projector.eps }
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

    /// - Parameters:
    ///   - patternsPerExperience: patterns of each task kept in memory (paper: 256).
    ///   - memoryStrength: the dual variables' lower bound (paper: 0.5).
    ///   - memorySelection: `.recent` (the reference code's ring buffer) or `.random` (Avalanche).
    ///   - referenceGradients, sparseFirstLayer: how the reference gradients are computed.
    public init(
        patternsPerExperience: Int, memoryStrength: Float, memorySelection: MemorySelection,
        inputWidth: Int, seed: UInt64, eps: Double = 1e-3,
        referenceGradients: ReferenceGradientMode, sparseFirstLayer: Bool
    ) {
        precondition(patternsPerExperience > 0, "GEM needs at least one pattern per experience")
        precondition(memoryStrength >= 0, "memory strength must be non-negative")
        projector = GEMProjector(memoryStrength: memoryStrength, eps: eps)
        self.referenceGradients = referenceGradients
        self.sparseFirstLayer = sparseFirstLayer
        memory = EpisodicMemory(
            patternsPerTask: patternsPerExperience, selection: memorySelection,
            width: inputWidth, seed: seed)
    }

    public var patternsPerExperience: Int { memory.patternsPerTask }

    /// The incremental path assumes the optimizer moves the first layer by the minibatch's own
    /// low-rank gradient: no other plugin may change it.
    public func check(_ trainer: Trainer) throws {
        let others = trainer.plugins.filter { $0 !== self && $0.changesGradient }
        if referenceGradients == .incremental, !others.isEmpty {
            throw StrategyConflict(
                "GEM's incremental reference gradients need the minibatch gradient as backward "
                    + "leaves it, but \(others.map { "\(type(of: $0))" }.joined(separator: ", ")) "
                    + "changes it; use reference_gradients: direct")
        }
    }

    public func beforeTraining(_ trainer: Trainer) {
        let incremental =
            referenceGradients == .incremental
            && IncrementalReferences.supports(trainer.network, momentum: trainer.optimizer.momentum)
        references = incremental ? IncrementalReferences() : DirectReferences()
    }

    public var changesGradient: Bool { true }

    private var sparseInputs: SparseRows? { sparseFirstLayer ? memory.sparseInputs : nil }

    public var diagnostics: [String: [Float]] { record.series }

    public var episodicMemory: LabeledData? { memory.all }

    /// The memory, the reference-gradient source's carried state and the diagnostics so far
    /// (the projector's buffers and `projected` belong to one step; the source's kind follows
    /// from the config in `beforeTraining`).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        var part = SavedState()
        memory.save(into: &part)
        state.merge(part, under: "memory")
        part = SavedState()
        references.save(into: &part)
        state.merge(part, under: "source")
        record.save(into: &state)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try memory.restore(from: state.substate(under: "memory"))
        try references.restore(from: state.substate(under: "source"))
        record = try GEMDiagnostics(from: state)
    }

    /// Reference gradient of past task k from the last `beforeTrainingIteration` (for tests).
    func referenceRow(_ k: Int) -> UnsafeMutablePointer<Float> { references.references.row(k) }
}

/// GEM's per-step diagnostics for the run record: `gem_violations` (constraints ⟨g, g_k⟩ < 0),
/// `gem_binding_constraints` (past tasks whose constraint the projection holds at equality:
/// dual variable above the margin, the QP's free set; 0 without projection) and `gem_min_dot`
/// (the smallest ⟨g̃, g_k⟩ after the step's projection, or ⟨g, g_k⟩ without; NaN before any
/// past task or when the Gram matrix is not finite).
struct GEMDiagnostics {
    private var violations: [Float] = [], bindingConstraints: [Float] = [], minDot: [Float] = []

    init() {}

    mutating func add(_ outcome: GEMProjector.Outcome) {
        violations.append(Float(outcome.violated))
        bindingConstraints.append(Float(outcome.binding))
        minDot.append(outcome.minDot)
    }

    var series: [String: [Float]] {
        ["gem_violations": violations, "gem_binding_constraints": bindingConstraints, "gem_min_dot": minDot]
    }

    func save(into state: inout SavedState) {
        state.set("violations", floats: violations)
        state.set("binding_constraints", floats: bindingConstraints)
        state.set("min_dot", floats: minDot)
    }

    init(from state: SavedState) throws {
        violations = try state.floats("violations")
        bindingConstraints = try state.floats("binding_constraints", count: violations.count)
        minDot = try state.floats("min_dot", count: violations.count)
    }
}
