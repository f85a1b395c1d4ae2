import Benchmarks
import Learning

/// How an episodic memory picks the patterns it keeps of each task.
public enum MemorySelection: String, Sendable, CaseIterable, Codable {
    /// A random subset of the task's training set, chosen after the task (Avalanche's GEMPlugin).
    case random
    /// The most recent samples trained on, as the GEM reference code's ring buffer keeps them.
    case recent
}

/// Per-task episodic memory: up to `patternsPerTask` training patterns of every finished task,
/// stored contiguously in task order so all of it goes through the network in one batch.
public final class EpisodicMemory {
    public let patternsPerTask: Int
    public let selection: MemorySelection
    /// Every stored pattern, task after task.
    public private(set) var all: LabeledData
    /// Rows of `all` belonging to each finished task.
    public private(set) var segments: [Range<Int>] = []
    private var rng: RandomStream
    private var sparseCache: SparseRows?
    private var ring: LabeledData
    private var ringNext = 0

    public init(patternsPerTask: Int, selection: MemorySelection, width: Int, seed: UInt64) {
        self.patternsPerTask = patternsPerTask
        self.selection = selection
        all = LabeledData(width: width)
        ring = LabeledData(width: width)
        rng = RandomStream(seed: seed, purpose: "memory/selection")
    }

    public var taskCount: Int { segments.count }

    /// The stored inputs' non-zeros, one segment per task (built when first asked for after a task).
    public var sparseInputs: SparseRows {
        if let sparseCache { return sparseCache }
        let built = all.inputs.withUnsafeBufferPointer {
            SparseRows($0.baseAddress!, rows: all.count, width: all.width, segments: segments)
        }
        sparseCache = built
        return built
    }

    /// Sees the first `rows` rows of a training minibatch (recent selection keeps the last ones).
    public func observe(_ batch: Minibatch, rows: Int) {
        guard selection == .recent, patternsPerTask > 0 else { return }
        let w = batch.width
        for r in 0..<rows {
            if ring.count < patternsPerTask {
                ring.inputs.append(contentsOf: batch.inputs[(r * w)..<((r + 1) * w)])
                ring.labels.append(batch.labels[r])
                ring.tasks.append(batch.tasks[r])
            } else {
                let slot = ringNext
                for p in 0..<w { ring.inputs[slot * w + p] = batch.inputs[r * w + p] }
                ring.labels[slot] = batch.labels[r]
                ring.tasks[slot] = batch.tasks[r]
            }
            ringNext = (ringNext + 1) % patternsPerTask
        }
    }

    /// Stores the finished task's patterns.
    public func finishTask(_ task: BenchmarkTask) {
        let chosen: LabeledData
        switch selection {
        case .recent:
            chosen = ring
        case .random:
            chosen = task.train.rows(rng.sample(min(patternsPerTask, task.train.count), from: task.train.count))
        }
        segments.append(all.count..<(all.count + chosen.count))
        all.append(contentsOf: chosen)
        sparseCache = nil
        ring = LabeledData(width: all.width)
        ringNext = 0
    }

    /// The stored patterns, the recent-selection ring and the selection stream (the sparse
    /// copy of the inputs is rebuilt from them when asked for).
    public func save(into state: inout SavedState) {
        state.set("all", all)
        state.set("segment_ends", integers: segments.map(\.upperBound))
        state.set("ring", ring)
        state.set("ring_next", ringNext)
        state.set("rng", rng)
    }

    public func restore(from state: SavedState) throws {
        all = try state.labeledData("all")
        let ends = try state.integers("segment_ends")
        guard zip([0] + ends, ends).allSatisfy({ $0 <= $1 }), (ends.last ?? 0) == all.count else {
            throw SavedStateError(
                key: "segment_ends", problem: "does not cut the \(all.count) stored rows into segments")
        }
        segments = zip([0] + ends, ends).map { $0..<$1 }
        ring = try state.labeledData("ring")
        ringNext = try state.int("ring_next")
        rng = try state.randomStream("rng")
        sparseCache = nil
    }
}
