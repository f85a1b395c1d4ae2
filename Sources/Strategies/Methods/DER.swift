import Benchmarks
import Learning

/// Dark Experience Replay (Buzzega et al. 2020, "Dark Experience for General Continual
/// Learning"): a reservoir memory of inputs, labels and the logits the network gave them when
/// they were seen. Each step adds, beside the minibatch's mean cross-entropy,
///
///     α · mean over a replay batch and every logit of (z − z_stored)²     (`der`, `derpp`)
///   + β · mean cross-entropy of a second, independently drawn replay batch  (`derpp` only)
///
/// Each replay batch is `replay_batch_size` memory rows drawn uniformly without replacement
/// (all of them while the memory holds fewer; none while it is empty). The replay rows are
/// appended to the minibatch and go through the same forward and backward pass; they get no
/// plain cross-entropy (`Minibatch.crossEntropyRows`). After the step, the minibatch's own
/// rows are offered to the memory by reservoir sampling, with the logits of this step's
/// forward pass (before the update), as the authors' code (mammoth) does.
public enum DER: DarkExperienceReplay {
    public static let name = "der"
    public static let abstract =
        "dark experience replay: match the logits stored in a reservoir memory (Buzzega et al. 2020)"
    public static let parameters: [StrategyParameter] = DERSettings.parameters(withBeta: false)
}

/// DER++: DER plus the cross-entropy of a second replay batch on its stored labels.
public enum DERPlusPlus: DarkExperienceReplay {
    public static let name = "derpp"
    public static let abstract = "DER++: dark experience replay plus replayed labels (Buzzega et al. 2020)"
    public static let parameters: [StrategyParameter] = DERSettings.parameters(withBeta: true)
}

/// What `der` and `derpp` share: everything but their keys.
public protocol DarkExperienceReplay: StrategyDefinition {}

extension DarkExperienceReplay {
    public static func summary(_ values: StrategyValues) -> String { DERSettings(values).summary(name) }

    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        DERSettings(values).replayRowsPerStep
    }

    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        DERSettings(values).storedRows
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [DERPlugin(DERSettings(values), build)]
    }
}

/// The keys of `der` and `derpp`, read once.
public struct DERSettings: Sendable, Equatable {
    public var memorySize: Int
    public var alpha: Double
    /// 0 for `der`.
    public var beta: Double
    public var replayBatchSize: Int

    public init(memorySize: Int, alpha: Double, beta: Double, replayBatchSize: Int) {
        (self.memorySize, self.alpha, self.beta, self.replayBatchSize) = (memorySize, alpha, beta, replayBatchSize)
    }

    init(_ values: StrategyValues) {
        let beta = values.entries.contains { $0.key == "beta" } ? values.double("beta") : 0
        self.init(
            memorySize: values.int("memory_size"), alpha: values.double("alpha"), beta: beta,
            replayBatchSize: values.int("replay_batch_size"))
    }

    static func parameters(withBeta: Bool) -> [StrategyParameter] {
        // Defaults: the paper's (mammoth's best_args) settings for sequential MNIST with a memory of 500.
        [
            StrategyParameter("memory_size", .positiveInt, help: "rows in the reservoir memory, over the whole stream"),
            StrategyParameter(
                "alpha", .nonNegativeDouble, default: .double(1.0),
                help: "weight of the logit-matching (mean squared error) term"),
        ]
            + (withBeta
                ? [
                    StrategyParameter(
                        "beta", .nonNegativeDouble, default: .double(0.5),
                        help: "weight of the replayed labels' cross-entropy")
                ] : [])
            + [
                StrategyParameter(
                    "replay_batch_size", .positiveInt, default: .int(10),
                    help: "memory rows drawn for each replay term every step")
            ]
    }

    func summary(_ name: String) -> String {
        "\(name) mem=\(memorySize) alpha=\(alpha)" + (name == DER.name ? "" : " beta=\(beta)")
            + " replay=\(replayBatchSize)"
    }

    var replayRowsPerStep: Double { Double(replayBatchSize) * (beta > 0 ? 2 : 1) }
    var storedRows: Double { Double(memorySize) + replayRowsPerStep }
}

public final class DERPlugin: Plugin {
    public let settings: DERSettings
    private let classCount: Int
    /// Memory slots (inputs, labels, tasks) and the logits stored with them; reservoir sampling
    /// fills the slots in order, so the filled ones are 0..<filled.
    private var memory: SlotMemory
    private var storedLogits: [Float]
    private var filled: Int { memory.filledSlots.count }
    private var seen = 0
    private var updateRNG: RandomStream
    private var drawRNG: RandomStream
    /// This step's layout: own rows, then the logit-matching rows (their memory slots), then the label rows.
    private var ownRows = 0
    private(set) var matchSlots: [Int] = []
    private var labelRows = 0
    /// The own rows' logits of this step's forward pass, stored after the update.
    private var ownLogits: [Float] = []
    private var scratch: [Float] = []

    public convenience init(_ settings: DERSettings, _ build: StrategyBuild) {
        self.init(settings, width: build.stream.inputWidth, classCount: build.stream.classCount, seed: build.seed)
    }

    public init(_ settings: DERSettings, width: Int, classCount: Int, seed: UInt64) {
        precondition(settings.memorySize > 0 && settings.replayBatchSize > 0, "DER needs a memory and a replay batch")
        self.settings = settings
        self.classCount = classCount
        let m = settings.memorySize
        memory = SlotMemory(slots: m, width: width)
        storedLogits = [Float](repeating: 0, count: m * classCount)
        updateRNG = RandomStream(seed: seed, purpose: "der/update")
        drawRNG = RandomStream(seed: seed, purpose: "der/draw")
    }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        ownRows = trainer.batch.count
        trainer.batch.crossEntropyRows = ownRows
        matchSlots = []
        labelRows = 0
        guard filled > 0 else { return }
        let k = min(settings.replayBatchSize, filled)
        matchSlots = drawRNG.sample(k, from: filled)
        for slot in matchSlots { trainer.batch.append(memory.slots, row: slot) }
        if settings.beta > 0 {
            for slot in drawRNG.sample(k, from: filled) { trainer.batch.append(memory.slots, row: slot) }
            labelRows = k
        }
    }

    public func addLoss(
        _ trainer: Trainer, logits: UnsafePointer<Float>,
        logitGradient: UnsafeMutablePointer<Float>
    ) -> Double {
        let c = classCount
        precondition(trainer.network.outputWidth == c, "DER stores \(c) logits a row")
        ownLogits = Array(UnsafeBufferPointer(start: logits, count: ownRows * c))
        var loss = 0.0
        if !matchSlots.isEmpty {
            loss += DERPlugin.logitMatching(
                logits: logits + ownRows * c, stored: matchSlots.flatMap { storedLogits[($0 * c)..<(($0 + 1) * c)] },
                rows: matchSlots.count, classes: c, alpha: Float(settings.alpha), gradient: logitGradient + ownRows * c)
        }
        if labelRows > 0 {
            let first = ownRows + matchSlots.count
            if scratch.count < labelRows * c { scratch = [Float](repeating: 0, count: labelRows * c) }
            let batch = trainer.batch
            loss += batch.labels.withUnsafeBufferPointer { y in
                batch.tasks.withUnsafeBufferPointer { t in
                    scratch.withUnsafeMutableBufferPointer { g in
                        let value = SoftmaxCrossEntropy.lossAndGradient(
                            logits: logits + first * c, labels: y.baseAddress! + first, rows: labelRows, classes: c,
                            scale: Float(settings.beta) / Float(labelRows), tasks: t.baseAddress! + first,
                            heads: trainer.heads, gradient: g.baseAddress!)
                        for i in 0..<(labelRows * c) { logitGradient[first * c + i] += g[i] }
                        return value
                    }
                }
            }
        }
        return loss
    }

    /// α · (1/(rows·classes)) Σ (z − stored)², adding its gradient 2α (z − stored) / (rows·classes)
    /// into `gradient`; returns the term.
    static func logitMatching(
        logits: UnsafePointer<Float>, stored: [Float], rows: Int, classes: Int, alpha: Float,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        let n = rows * classes
        let scale = alpha / Float(n)
        var sum = 0.0
        for i in 0..<n {
            let d = logits[i] - stored[i]
            sum += Double(d * d)
            gradient[i] += 2 * scale * d
        }
        return Double(scale) * sum
    }

    public func afterUpdate(_ trainer: Trainer) {
        let batch = trainer.batch
        let c = classCount
        for r in 0..<ownRows {
            if let slot = reservoirSlot(seen: seen, capacity: settings.memorySize, rng: &updateRNG) {
                memory.store(batch, row: r, slot: slot)
                for k in 0..<c { storedLogits[slot * c + k] = ownLogits[r * c + k] }
            }
            seen += 1
        }
    }

    /// The stored rows (inputs, labels, tasks; the logits are not part of a run file).
    public var episodicMemory: LabeledData? { filled == 0 ? nil : memory.storedRows }

    /// The memory with its logits, how far it is filled, the samples seen and both streams
    /// (the step layout and `ownLogits` belong to one step).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        memory.save(into: &state)
        state.set("stored_logits", floats: storedLogits)
        state.set("seen", seen)
        state.set("update_rng", updateRNG)
        state.set("draw_rng", drawRNG)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try memory.restore(from: state)
        guard memory.filledSlots == Array(0..<filled) else {
            throw SavedStateError(key: "filled_slots", problem: "not the first \(filled) slots in order")
        }
        storedLogits = try state.floats("stored_logits", count: storedLogits.count)
        seen = try state.int("seen")
        updateRNG = try state.randomStream("update_rng")
        drawRNG = try state.randomStream("draw_rng")
    }

    /// The logits stored with memory slot `slot` (for tests).
    public func storedLogits(ofSlot slot: Int) -> [Float] {
        Array(storedLogits[(slot * classCount)..<((slot + 1) * classCount)])
    }
    public var filledSlots: Int { filled }
    public var samplesSeen: Int { seen }
}
