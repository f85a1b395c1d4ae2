import Dispatch

/// Runs `body(lane, part)` over `lanes` contiguous, near-equal parts of 0..<count, side by side.
/// Unlike `splitAcrossLanes`, the body learns its lane, to use that lane's scratch buffers.
func forEachLane(_ count: Int, lanes: Int, _ body: (_ lane: Int, _ part: Range<Int>) -> Void) {
    let lanes = max(1, min(lanes, count))
    guard lanes > 1 else { body(0, 0..<count); return }
    withoutActuallyEscaping(body) { body in
        // the lanes write disjoint outputs, and `body` lives only for this call
        let shared = LaneBody(body)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            shared.value(lane, (count * lane / lanes)..<(count * (lane + 1) / lanes))
        }
    }
}

private struct LaneBody: @unchecked Sendable {
    let value: (Int, Range<Int>) -> Void
    init(_ value: @escaping (Int, Range<Int>) -> Void) { self.value = value }
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
