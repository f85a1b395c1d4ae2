import Benchmarks
import Foundation

/// Task streams shared by the jobs of one process: a stream is built once per benchmark,
/// seed and data folder, and jobs that train on it read the same tasks (they are never
/// written after they are built). The `capacity` most recently used streams are kept.
final class StreamCache: @unchecked Sendable {
    static let shared = StreamCache(capacity: 1)

    // `lock` guards `entries` and `recent`; each entry's own lock guards its stream, so two
    // streams build in parallel while two jobs asking for one wait for a single build.
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var recent: [String] = []
    private var capacity: Int

    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        var stream: TaskStream?
    }

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Keeps at least `count` streams (one per job).
    func keep(atLeast count: Int) { lock.withLock { capacity = max(capacity, count) } }

    /// The stream of `key`, built by `build` the first time it is asked for.
    func stream(_ key: String, build: () -> TaskStream) -> TaskStream {
        let entry = lock.withLock {
            recent.removeAll { $0 == key }
            recent.append(key)
            let entry = entries[key] ?? Entry()
            entries[key] = entry
            while recent.count > capacity { entries[recent.removeFirst()] = nil }
            return entry
        }
        entry.lock.lock()
        defer { entry.lock.unlock() }
        if let stream = entry.stream { return stream }
        let stream = build()
        entry.stream = stream
        return stream
    }
}
