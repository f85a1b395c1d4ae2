import Benchmarks
import Learning

/// Averaged GEM (Chaudhry, Ranzato, Rohrbach & Elhoseiny, ICLR 2019), for each minibatch
/// (x, y) of task t:
///
/// 1. store: after each task, `patterns_per_experience` of its patterns go into the memory;
/// 2. reference gradient: r = ∂ℓ(f_θ, S)/∂θ over S, `sample_size` patterns drawn at random
///    from the whole memory (every past task at once, unlike GEM's one g_k per task);
/// 3. check: the minibatch gradient g must satisfy gᵀr ≥ 0;
/// 4. project: otherwise g ← g − (gᵀr / rᵀr) r, onto the half-space's edge;
/// 5. step: θ ← θ − α g, the optimizer's own.
public final class AGEMPlugin: Plugin {
    /// Before the forward pass: step 2 (step 1 is `afterTrainingExp`).
    public func beforeTrainingIteration(_ trainer: Trainer) {
        guard memory.taskCount > 0 else { return }
        let all = memory.all
        sample = all.rows(sampleRNG.sample(min(sampleSize, all.count), from: all.count))
        reference.compute(
            trainer.network, data: sample, segments: [0..<sample.count],
            heads: trainer.heads, threads: trainer.settings.threads)
    }

    /// After backward, the network's gradients hold g: steps 3 and 4.
    public func afterBackward(_ trainer: Trainer) {
        guard memory.taskCount > 0 else {
            violations.append(0)
            return
        }
        let p = trainer.network.parameterCount
        let g = trainer.network.gradients.pointer
        let r = reference.row(0)
        let gr = Kernels.doubleDot(p, g, r)
        guard gr < 0 else {
            violations.append(0)
            return
        }
        violations.append(1)
        let rr = Kernels.doubleDot(p, r, r)
        if rr > 0 { Kernels.axpy(p, alpha: Float(-gr / rr), x: r, y: g) }
    }

    /// Step 1.
    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) { memory.finishTask(task) }

    // MARK: configuration and bookkeeping

    public let patternsPerExperience: Int
    public let sampleSize: Int
    public let memory: EpisodicMemory
    private var sampleRNG: RandomStream
    private let reference = ReferenceGradients()
    private var sample = LabeledData(width: 0)
    private var violations: [Float] = []

    public init(patternsPerExperience: Int, sampleSize: Int, inputWidth: Int, seed: UInt64 = 0) {
        precondition(patternsPerExperience > 0 && sampleSize > 0, "A-GEM needs a memory and a sample size")
        self.patternsPerExperience = patternsPerExperience
        self.sampleSize = sampleSize
        memory = EpisodicMemory(
            patternsPerTask: patternsPerExperience, selection: .random,
            width: inputWidth, seed: seed)
        sampleRNG = RandomStream(seed: seed, purpose: "agem/sample")
    }

    public var changesGradient: Bool { true }

    public var diagnostics: [String: [Float]] { ["agem_violations": violations] }
    /// The memory rows drawn for the last reference gradient (for tests).
    var sampleForTests: LabeledData { sample }
    public var episodicMemory: LabeledData? { memory.all }

    /// The memory, the sample stream and the diagnostics (the sample and its reference
    /// gradient are drawn anew every step).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        var part = SavedState()
        memory.save(into: &part)
        state.merge(part, under: "memory")
        state.set("sample_rng", sampleRNG)
        state.set("violations", floats: violations)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try memory.restore(from: state.substate(under: "memory"))
        sampleRNG = try state.randomStream("sample_rng")
        violations = try state.floats("violations")
    }
}
