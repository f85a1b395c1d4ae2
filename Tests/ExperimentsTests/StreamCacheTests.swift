import Benchmarks
import Dispatch
import XCTest

@testable import Experiments

final class StreamCacheTests: XCTestCase {

    /// Jobs asking at once for one stream wait for a single build and get the same stream.
    func testConcurrentRequestsBuildOnce() {
        let cache = StreamCache(capacity: 2)
        let builds = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let s = cache.stream("a") {
                builds.increment()
                Thread.sleep(forTimeInterval: 0.05)
                return emptyStream("a")
            }
            XCTAssertEqual(s.name, "a")
        }
        XCTAssertEqual(builds.value, 1)
    }

    /// The least recently used stream is dropped beyond the capacity, and built again when asked.
    func testLeastRecentlyUsedStreamIsDroppedBeyondCapacity() {
        let cache = StreamCache(capacity: 2)
        var built: [String] = []
        let ask = { (key: String) in
            _ = cache.stream(key) {
                built.append(key)
                return emptyStream(key)
            }
        }
        ask("a")
        ask("b")
        ask("a")
        ask("c")  // b is the least recently used
        ask("a")
        ask("b")  // c is dropped for b
        XCTAssertEqual(built, ["a", "b", "c", "b"])
        cache.keep(atLeast: 3)
        ask("c")
        ask("a")
        ask("b")
        ask("c")  // three fit now: only c is built again
        XCTAssertEqual(built, ["a", "b", "c", "b", "c"])
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

private func emptyStream(_ name: String) -> TaskStream {
    TaskStream(name: name, scenario: .domainIncremental, tasks: [], inputShape: [1], classCount: 2)
}
