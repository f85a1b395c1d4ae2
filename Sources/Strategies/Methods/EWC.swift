import Benchmarks
import Learning

/// Elastic Weight Consolidation (Kirkpatrick et al., PNAS 2017) as the GEM paper ran it.
///
/// After each task, `patterns_per_experience` of its patterns give a diagonal importance
/// estimate F_k, and the parameters θ*_k are kept. Every step then adds the gradient of
/// λ Σ_k Σ_i F_k,i (θ_i − θ*_k,i)², that is 2λ (Σ_k F_k ∘ θ − Σ_k F_k ∘ θ*_k): two running sums
/// make it one pass over the parameters however many tasks are past.
///
/// `fisher` chooses F_k:
/// - `squared-mean-gradient` (default): the square of the mean loss gradient over the samples,
///   one batch gradient squared, as the GEM reference code computes it and its tuned strengths
///   assume. This is not the Fisher information of the paper.
/// - `empirical`: the mean over samples of each sample's squared loss gradient, the diagonal
///   empirical Fisher of Kirkpatrick et al.
public enum EWC: StrategyDefinition {
    public static let name = "ewc"
    public static let abstract = "Elastic Weight Consolidation: a quadratic penalty weighted by diagonal importances"

    /// How the per-task importances are estimated.
    public enum FisherEstimate: String, Sendable, CaseIterable {
        case squaredMeanGradient = "squared-mean-gradient"
        case empirical
    }

    public static let parameters: [StrategyParameter] = [
        StrategyParameter("patterns_per_experience", .positiveInt, help: "samples of each task for its importances"),
        StrategyParameter("lambda", .nonNegativeDouble, help: "penalty strength λ"),
        .choice(
            "fisher", FisherEstimate.self, label: "Fisher estimate", default: .squaredMeanGradient,
            whenNotStored: .squaredMeanGradient,
            help: "squared-mean-gradient (the GEM reference code's) or empirical (mean of per-sample squares)"),
    ]

    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        var problems = checkPatternsFit("patterns_per_experience", values, context)
        if !context.model.isMLP, values.choice("fisher", as: FisherEstimate.self) == .empirical {
            problems.append(
                StrategyProblem(
                    key: "fisher",
                    "the empirical Fisher takes one sample at a time, a batch of one for \(context.model.kind)'s batch norm; use squared-mean-gradient"
                ))
        }
        return problems
    }

    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience")) * Double(context.tasks)
    }

    /// The two running sums, and one gradient row per sample for the empirical Fisher.
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double {
        values.choice("fisher", as: FisherEstimate.self) == .empirical
            ? 2 + Double(values.int("patterns_per_experience")) : 3
    }

    public static func summary(_ values: StrategyValues) -> String {
        var text = "ewc ppe=\(values.int("patterns_per_experience")) lambda=\(values.double("lambda").description)"
        if values.choice("fisher", as: FisherEstimate.self) == .empirical { text += " empirical" }
        return text
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [
            EWCPlugin(
                patternsPerExperience: values.int("patterns_per_experience"), lambda: Float(values.double("lambda")),
                fisher: values.choice("fisher"), seed: build.seed)
        ]
    }
}

public final class EWCPlugin: Plugin {
    public let patternsPerExperience: Int
    public let lambda: Float
    public let fisher: EWC.FisherEstimate
    private var selection: RandomStream
    private let gradient = ReferenceGradients()
    /// Σ_k F_k and Σ_k F_k ∘ θ*_k.
    private var penalty = QuadraticPenalty()
    private var memory: LabeledData?

    public init(
        patternsPerExperience: Int, lambda: Float, fisher: EWC.FisherEstimate = .squaredMeanGradient,
        seed: UInt64 = 0
    ) {
        precondition(patternsPerExperience > 0 && lambda >= 0, "EWC needs samples and a non-negative strength")
        self.patternsPerExperience = patternsPerExperience
        self.lambda = lambda
        self.fisher = fisher
        selection = RandomStream(seed: seed, purpose: "ewc/selection")
    }

    public var changesGradient: Bool { true }

    public func afterBackward(_ trainer: Trainer) {
        penalty.addGradient(
            strength: lambda, parameters: trainer.network.parameters.pointer,
            into: trainer.network.gradients.pointer)
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let network = trainer.network
        let n = min(patternsPerExperience, task.train.count)
        let samples = task.train.rows(selection.sample(n, from: task.train.count))
        let p = network.parameterCount
        // F_k is written over the first gradient row, each entry after it has been read
        let f: UnsafeMutablePointer<Float>
        switch fisher {
        case .squaredMeanGradient:
            gradient.compute(
                network, data: samples, segments: [0..<n], heads: trainer.heads,
                threads: trainer.settings.threads)
            f = gradient.row(0)
            for i in 0..<p { f[i] = f[i] * f[i] }
        case .empirical:
            // one segment per sample: row r is sample r's own loss gradient
            gradient.compute(
                network, data: samples, segments: (0..<n).map { $0..<($0 + 1) }, heads: trainer.heads,
                threads: trainer.settings.threads)
            f = gradient.row(0)
            for i in 0..<p {
                var sum: Float = 0
                for r in 0..<n {
                    let g = gradient.row(r)[i]
                    sum += g * g
                }
                f[i] = sum / Float(n)
            }
        }
        penalty.add(f, anchor: network.parameters.pointer, count: p)
        if memory == nil { memory = samples } else { memory!.append(contentsOf: samples) }
    }

    public var episodicMemory: LabeledData? { memory }

    /// The importance and anchor sums, the samples they came from and the selection stream.
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        penalty.save(into: &state, importanceKey: "fisher_sum", anchorKey: "anchor_sum")
        state.set("selection_rng", selection)
        if let memory { state.set("memory", memory) }
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try penalty.restore(
            from: state, importanceKey: "fisher_sum", anchorKey: "anchor_sum",
            parameterCount: trainer.network.parameterCount)
        selection = try state.randomStream("selection_rng")
        memory = state.integers["memory/width"] == nil ? nil : try state.labeledData("memory")
    }
}
