import Dispatch
import Foundation

/// Runs `body(lane, items)` over 0..<count on `lanes` threads side by side, each lane taking
/// the next unclaimed item when it is free, so a lane slowed down by another process on this
/// shared machine does not hold the others up. Which lane runs an item varies between calls;
/// callers make an item's result independent of it (scratch per lane, outputs per item).
public func forEachLane(_ count: Int, lanes: Int, _ body: (_ lane: Int, _ items: Range<Int>) -> Void) {
    let lanes = max(1, min(lanes, count))
    guard lanes > 1 else {
        body(0, 0..<count)
        return
    }
    let queue = WorkQueue(count)
    withoutActuallyEscaping(body) { body in
        // the lanes write disjoint outputs, and `body` lives only for this call
        let shared = LaneBody(body)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            while let item = queue.next() { shared.body(lane, item..<(item + 1)) }
        }
    }
}

/// Hands out 0..<count one item at a time.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextItem = 0
    private let count: Int

    init(_ count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextItem < count else { return nil }
        nextItem += 1
        return nextItem - 1
    }
}

/// Runs `body` over `lanes` contiguous, near-equal parts of 0..<count, side by side.
func splitAcrossLanes(_ count: Int, lanes: Int, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(lanes, count))
    forEachLane(parts, lanes: parts) { _, items in
        for part in items { body((count * part / parts)..<(count * (part + 1) / parts)) }
    }
}

/// A lane's body, handed to every thread of `concurrentPerform` (`forEachLane` makes that safe).
private struct LaneBody: @unchecked Sendable {
    let body: (Int, Range<Int>) -> Void
    init(_ body: @escaping (Int, Range<Int>) -> Void) { self.body = body }
}

/// One growable buffer per lane.
final class LaneWorkspaces {
    private var spaces: [Workspace] = []

    /// Makes sure `lanes` lanes exist; call before the lanes start (it may allocate).
    func reserve(_ lanes: Int) {
        while spaces.count < lanes { spaces.append(Workspace()) }
    }

    func pointer(lane: Int, atLeast count: Int) -> UnsafeMutablePointer<Float> {
        spaces[lane].pointer(atLeast: count)
    }
}

/// Runs `body(range)` over 0..<count cut into spans of `span` elements, the spans shared out
/// over `lanes` threads: for element-wise passes, whose results do not depend on the cut.
func forEachSpan(_ count: Int, lanes: Int, span: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let spans = (count + span - 1) / span
    forEachLane(spans, lanes: lanes) { _, items in
        for s in items { body(s * span..<min(count, (s + 1) * span)) }
    }
}
