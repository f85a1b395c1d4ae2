import Foundation

/// Values built at most once per key and shared by the threads that ask for them, e.g. the
/// process's loaded datasets and task streams. With a `capacity`, only that many of the most
/// recently asked-for values are kept; a value dropped is built again when asked for.
public final class BuildOnceCache<Value>: @unchecked Sendable {
    // `lock` guards `entries`, `recent` and `capacity`; each entry's own lock guards its value,
    // so two keys build in parallel while two callers of one key wait for a single build.
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var recent: [String] = []
    private var capacity: Int?

    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        var value: Value?
    }

    /// `capacity`: nil keeps every value.
    public init(capacity: Int? = nil) { self.capacity = capacity.map { max(1, $0) } }

    /// Keeps at least `count` values (no-op when every value is kept).
    public func keep(atLeast count: Int) {
        lock.withLock { capacity = capacity.map { max($0, count) } }
    }

    /// The value of `key`, built by `build` the first time it is asked for. Errors are not kept.
    public func value(_ key: String, build: () throws -> Value) rethrows -> Value {
        let entry = lock.withLock {
            let entry = entries[key] ?? Entry()
            entries[key] = entry
            if let capacity {
                recent.removeAll { $0 == key }
                recent.append(key)
                while recent.count > capacity { entries[recent.removeFirst()] = nil }
            }
            return entry
        }
        entry.lock.lock()
        defer { entry.lock.unlock() }
        if let value = entry.value { return value }
        let value = try build()
        entry.value = value
        return value
    }

    /// Forgets every value (their memory is freed once no caller holds them).
    public func removeAll() {
        lock.withLock {
            entries.removeAll()
            recent.removeAll()
        }
    }
}
