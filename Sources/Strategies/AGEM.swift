import Benchmarks
import Learning

/// Averaged GEM (Chaudhry et al., ICLR 2019): one reference gradient r from a random sample
/// of the whole episodic memory; if the minibatch gradient g points against it (gᵀr < 0),
/// g is projected onto the half-space gᵀr ≥ 0:  g ← g − (gᵀr / rᵀr) r.
public enum AGEM: StrategyDefinition {
    public static let name = "agem"
    public static let abstract = "Averaged GEM: project onto one reference gradient of a memory sample (Chaudhry et al. 2019)"
    public static let parameters: [StrategyParameter] = [
        StrategyParameter("patterns_per_experience", .positiveInt, help: "patterns of each task kept in memory"),
        StrategyParameter("sample_size", .positiveInt, help: "memory patterns drawn for the reference gradient each step"),
    ]
    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        checkPatternsFit("patterns_per_experience", values, context)
    }
    public static func summary(_ values: StrategyValues) -> String {
        "agem ppe=\(values.int("patterns_per_experience")) sample=\(values.int("sample_size"))"
    }
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("sample_size"))
    }
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience")) * Double(context.tasks) + Double(values.int("sample_size"))
    }
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 1 }
    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [AGEMPlugin(patternsPerExperience: values.int("patterns_per_experience"), sampleSize: values.int("sample_size"),
                    inputWidth: build.stream.inputWidth, seed: build.seed)]
    }
}

public final class AGEMPlugin: Plugin {
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
        memory = EpisodicMemory(patternsPerTask: patternsPerExperience, selection: .random,
                                width: inputWidth, seed: seed)
        sampleRNG = RandomStream(seed: seed, purpose: "agem/sample")
    }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        guard memory.taskCount > 0 else { return }
        let all = memory.all
        sample = all.rows(sampleRNG.sample(min(sampleSize, all.count), from: all.count))
        reference.compute(trainer.network, data: sample, segments: [0..<sample.count],
                          heads: trainer.heads, threads: trainer.settings.threads)
    }

    public var changesGradient: Bool { true }

    public func afterBackward(_ trainer: Trainer) {
        guard memory.taskCount > 0 else { violations.append(0); return }
        let p = trainer.network.parameterCount
        let g = trainer.network.gradients.pointer
        let r = reference.row(0)
        let gr = Kernels.doubleDot(p, g, r)
        guard gr < 0 else { violations.append(0); return }
        violations.append(1)
        let rr = Kernels.doubleDot(p, r, r)
        if rr > 0 { Kernels.axpy(p, alpha: Float(-gr / rr), x: r, y: g) }
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) { memory.finishTask(task) }

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
