import Benchmarks
import Data

/// Task streams shared by the jobs of one process: a stream is built once per benchmark,
/// seed and data folder, and jobs that train on it read the same tasks (they are never
/// written after they are built). The `capacity` most recently used streams are kept.
final class StreamCache: Sendable {
    static let shared = StreamCache(capacity: 1)
    private let cache: BuildOnceCache<TaskStream>

    init(capacity: Int) { cache = BuildOnceCache(capacity: capacity) }

    /// Keeps at least `count` streams (one per job).
    func keep(atLeast count: Int) { cache.keep(atLeast: count) }

    /// The stream of `key`, built by `build` the first time it is asked for.
    func stream(_ key: String, build: () -> TaskStream) -> TaskStream { cache.value(key, build: build) }
}
