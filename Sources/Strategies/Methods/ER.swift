import Benchmarks
import Learning

/// Experience replay with a tiny episodic memory (Chaudhry et al. 2019, "On Tiny Episodic
/// Memories in Continual Learning"). Each step trains on the minibatch concatenated with
/// `replay_batch_size` memory rows drawn uniformly without replacement (none while the memory
/// is empty; all of it while it holds fewer); after the step, the minibatch's own rows are
/// offered to the memory of `memory_size` rows:
/// - `reservoir`: reservoir sampling over the whole stream: the n-th sample seen (from 0) is
///   stored while n < M, later it replaces slot j when a uniform j ∈ [0, n] is below M, so
///   every sample seen so far is in memory with the same probability M / (n + 1);
/// - `ring`: one first-in-first-out buffer per class of ⌊M / classes⌋ rows (at least one),
///   the paper's ring buffer, which keeps the most recent samples of every class.
/// The loss is the mean cross-entropy over all rows of the joined batch.
public enum ER: StrategyDefinition {
    public static let name = "er"
    public static let abstract =
        "experience replay from a tiny memory filled by reservoir sampling (Chaudhry et al. 2019)"

    /// How the memory chooses what to keep.
    public enum Selection: String, Sendable, CaseIterable {
        case reservoir
        case ring
    }

    public static let parameters: [StrategyParameter] = [
        StrategyParameter("memory_size", .positiveInt, help: "rows in the episodic memory, over the whole stream"),
        StrategyParameter(
            "replay_batch_size", .positiveInt, default: .int(10),
            help: "memory rows joined to every minibatch (the paper: 10, the minibatch size)"),
        .choice(
            "selection", Selection.self, label: "memory selection", default: .reservoir,
            help: "reservoir (over the whole stream) or ring (a FIFO buffer per class)"),
    ]

    public static func summary(_ values: StrategyValues) -> String {
        "er mem=\(values.int("memory_size")) replay=\(values.int("replay_batch_size")) \(values["selection"].canonicalText)"
    }

    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("replay_batch_size"))
    }

    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("memory_size")) + Double(values.int("replay_batch_size"))
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [
            ERPlugin(
                memorySize: values.int("memory_size"), replayBatchSize: values.int("replay_batch_size"),
                selection: values.choice("selection"), width: build.stream.inputWidth,
                classCount: build.stream.classCount, seed: build.seed)
        ]
    }
}

public final class ERPlugin: Plugin {
    public let memorySize: Int
    public let replayBatchSize: Int
    public let selection: ER.Selection
    private var memory: SlotMemory
    private var seen = 0
    private var ownRows = 0
    private let slotsPerClass: Int
    private var nextSlotOfClass: [Int]
    private var updateRNG: RandomStream
    private var drawRNG: RandomStream

    public init(
        memorySize: Int, replayBatchSize: Int, selection: ER.Selection, width: Int, classCount: Int,
        seed: UInt64
    ) {
        precondition(memorySize > 0 && replayBatchSize > 0, "ER needs a memory and a replay batch")
        self.memorySize = memorySize
        self.replayBatchSize = replayBatchSize
        self.selection = selection
        slotsPerClass = max(1, memorySize / classCount)
        let slots = selection == .ring ? slotsPerClass * classCount : memorySize
        memory = SlotMemory(slots: slots, width: width)
        nextSlotOfClass = [Int](repeating: 0, count: classCount)
        updateRNG = RandomStream(seed: seed, purpose: "er/update")
        drawRNG = RandomStream(seed: seed, purpose: "er/draw")
    }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        ownRows = trainer.batch.count
        let filledSlots = memory.filledSlots
        guard !filledSlots.isEmpty else { return }
        let draw = drawRNG.sample(min(replayBatchSize, filledSlots.count), from: filledSlots.count)
        for i in draw { trainer.batch.append(memory.slots, row: filledSlots[i]) }
    }

    public func afterUpdate(_ trainer: Trainer) {
        let batch = trainer.batch
        for r in 0..<ownRows {
            switch selection {
            case .reservoir:
                if let slot = reservoirSlot(seen: seen, capacity: memorySize, rng: &updateRNG) {
                    memory.store(batch, row: r, slot: slot)
                }
            case .ring:
                let label = Int(batch.labels[r])
                memory.store(batch, row: r, slot: label * slotsPerClass + nextSlotOfClass[label])
                nextSlotOfClass[label] = (nextSlotOfClass[label] + 1) % slotsPerClass
            }
            seen += 1
        }
    }

    /// Every slot, which are filled and in what order (draws index that order), the count of
    /// samples seen, the ring positions and both streams (`ownRows` belongs to one step).
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        memory.save(into: &state)
        state.set("seen", seen)
        state.set("next_slot_of_class", integers: nextSlotOfClass)
        state.set("update_rng", updateRNG)
        state.set("draw_rng", drawRNG)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        try memory.restore(from: state)
        seen = try state.int("seen")
        nextSlotOfClass = try state.integers("next_slot_of_class", count: nextSlotOfClass.count)
        updateRNG = try state.randomStream("update_rng")
        drawRNG = try state.randomStream("draw_rng")
    }

    /// The filled slots, in slot order.
    public var episodicMemory: LabeledData? { memory.storedRows }
}
