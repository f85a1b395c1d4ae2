import Benchmarks
import Learning

/// Experience replay with an experience-balanced buffer (Avalanche's default): after each
/// task the buffer of `memory_size` patterns is shared equally among the tasks seen so far
/// (older groups shrink, keeping a prefix of their random subset), and every training
/// minibatch is joined by as many rows drawn from the buffer uniformly *with* replacement.
public enum Replay: StrategyDefinition {
    public static let name = "replay"
    public static let abstract = "experience replay from a task-balanced buffer filled after each task"
    public static let parameters: [StrategyParameter] = [
        StrategyParameter("memory_size", .positiveInt, help: "patterns in the buffer, shared equally among past tasks")
    ]
    public static func summary(_ values: StrategyValues) -> String { "replay mem=\(values.int("memory_size"))" }
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(context.batchSize)
    }
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("memory_size"))
    }
    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [ReplayPlugin(memorySize: values.int("memory_size"), seed: build.seed)]
    }
}

public final class ReplayPlugin: Plugin {
    public let memorySize: Int
    private var groups: [LabeledData] = []
    private var buffer: LabeledData?
    private var selectionRNG: RandomStream
    private var drawRNG: RandomStream

    public init(memorySize: Int, seed: UInt64 = 0) {
        precondition(memorySize > 0, "replay needs a positive memory size")
        self.memorySize = memorySize
        selectionRNG = RandomStream(seed: seed, purpose: "replay/selection")
        drawRNG = RandomStream(seed: seed, purpose: "replay/draw")
    }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        guard let buffer, buffer.count > 0 else { return }
        let n = trainer.batch.count
        for _ in 0..<n { trainer.batch.append(buffer, row: drawRNG.below(buffer.count)) }
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let share = memorySize / (groups.count + 1)
        let order = selectionRNG.permutation(task.train.count)
        groups.append(task.train.rows(Array(order.prefix(share))))
        // older groups keep a prefix of their (already random) order; the remainder of the
        // division goes to the oldest groups so the buffer holds exactly memorySize patterns
        var extra = memorySize - share * groups.count
        var all = LabeledData(width: task.train.width)
        for (i, group) in groups.enumerated() {
            let keep = min(group.count, share + (extra > 0 ? 1 : 0))
            if extra > 0 { extra -= 1 }
            groups[i] = group.rows(Array(0..<keep))
            all.append(contentsOf: groups[i])
        }
        buffer = all
    }

    public var episodicMemory: LabeledData? { buffer }

    /// The groups (the buffer is their concatenation, rebuilt on restore) and both streams.
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        for (i, group) in groups.enumerated() { state.set("group\(i)", group) }
        state.set("groups", groups.count)
        state.set("selection_rng", selectionRNG)
        state.set("draw_rng", drawRNG)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        groups = try (0..<state.int("groups")).map { try state.labeledData("group\($0)") }
        buffer =
            groups.isEmpty
            ? nil : groups.reduce(into: LabeledData(width: groups[0].width)) { $0.append(contentsOf: $1) }
        selectionRNG = try state.randomStream("selection_rng")
        drawRNG = try state.randomStream("draw_rng")
    }
}
