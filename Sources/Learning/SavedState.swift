/// Named arrays holding the state of a training run between two processes (a checkpoint):
/// parameters, optimiser buffers, memories, random-stream positions. Keys are paths
/// ("plugin0/memory/inputs"); `Storage.CheckpointFile` writes them as HDF5 datasets.
/// Values are kept exactly (Float32, Float64, Int64), so a restored run goes on bit for bit.
public struct SavedState: Sendable, Equatable {
    public var floats: [String: [Float]] = [:]
    public var doubles: [String: [Double]] = [:]
    public var integers: [String: [Int64]] = [:]

    public init() {}

    public init(floats: [String: [Float]], doubles: [String: [Double]], integers: [String: [Int64]]) {
        (self.floats, self.doubles, self.integers) = (floats, doubles, integers)
    }

    // MARK: Writing

    public mutating func set(_ key: String, floats values: [Float]) { floats[key] = values }
    public mutating func set(_ key: String, doubles values: [Double]) { doubles[key] = values }
    public mutating func set(_ key: String, integers values: [Int]) { integers[key] = values.map(Int64.init) }
    public mutating func set(_ key: String, _ value: Int) { integers[key] = [Int64(value)] }

    /// The stream's position: its four state words.
    public mutating func set(_ key: String, _ stream: RandomStream) {
        let s = stream.rawState
        integers[key] = [s.0, s.1, s.2, s.3].map { Int64(bitPattern: $0) }
    }

    /// Inputs, labels, task ids and width under `key/`.
    public mutating func set(_ key: String, _ data: LabeledData) {
        floats[key + "/inputs"] = data.inputs
        integers[key + "/labels"] = data.labels.map(Int64.init)
        integers[key + "/tasks"] = data.tasks.map(Int64.init)
        integers[key + "/width"] = [Int64(data.width)]
    }

    /// Rows of different lengths: the values one after another and the lengths.
    public mutating func set(_ key: String, rows: [[Double]]) {
        doubles[key + "/values"] = rows.flatMap { $0 }
        integers[key + "/lengths"] = rows.map { Int64($0.count) }
    }

    /// Every key of `other` under `prefix/`.
    public mutating func merge(_ other: SavedState, under prefix: String) {
        for (key, value) in other.floats { floats[prefix + "/" + key] = value }
        for (key, value) in other.doubles { doubles[prefix + "/" + key] = value }
        for (key, value) in other.integers { integers[prefix + "/" + key] = value }
    }

    // MARK: Reading (a missing or misshapen entry throws, naming the key)

    public func floats(_ key: String, count: Int? = nil) throws -> [Float] {
        try checked(floats[key], key, count)
    }

    public func doubles(_ key: String, count: Int? = nil) throws -> [Double] {
        try checked(doubles[key], key, count)
    }

    public func integers(_ key: String, count: Int? = nil) throws -> [Int] {
        try checked(integers[key], key, count).map { Int($0) }
    }

    public func int(_ key: String) throws -> Int { try integers(key, count: 1)[0] }

    public func randomStream(_ key: String) throws -> RandomStream {
        let words = try checked(integers[key], key, 4).map { UInt64(bitPattern: $0) }
        return RandomStream(rawState: (words[0], words[1], words[2], words[3]))
    }

    public func labeledData(_ key: String) throws -> LabeledData {
        let width = try int(key + "/width")
        let labels = try integers(key + "/labels").map { Int32($0) }
        let tasks = try integers(key + "/tasks", count: labels.count).map { Int32($0) }
        let inputs = try floats(key + "/inputs", count: labels.count * width)
        return LabeledData(inputs: inputs, labels: labels, tasks: tasks, width: width)
    }

    /// Saved rows that must have the shape of `existing` (a fixed-size buffer: count and width).
    public func labeledData(_ key: String, shapedLike existing: LabeledData) throws -> LabeledData {
        let saved = try labeledData(key)
        guard saved.count == existing.count, saved.width == existing.width else {
            throw SavedStateError(
                key: key,
                problem: "\(saved.count) slots of width \(saved.width), "
                    + "expected \(existing.count) of width \(existing.width)")
        }
        return saved
    }

    public func rows(_ key: String) throws -> [[Double]] {
        let lengths = try integers(key + "/lengths")
        guard lengths.allSatisfy({ $0 >= 0 }) else { throw SavedStateError(key: key, problem: "negative row length") }
        let values = try doubles(key + "/values", count: lengths.reduce(0, +))
        var rows: [[Double]] = []
        var start = 0
        for length in lengths {
            rows.append(Array(values[start..<(start + length)]))
            start += length
        }
        return rows
    }

    /// The keys under `prefix/`, with the prefix removed.
    public func substate(under prefix: String) -> SavedState {
        func strip<T>(_ entries: [String: T]) -> [String: T] {
            var out: [String: T] = [:]
            for (key, value) in entries where key.hasPrefix(prefix + "/") {
                out[String(key.dropFirst(prefix.count + 1))] = value
            }
            return out
        }
        return SavedState(floats: strip(floats), doubles: strip(doubles), integers: strip(integers))
    }

    private func checked<T>(_ value: [T]?, _ key: String, _ count: Int?) throws -> [T] {
        guard let value else { throw SavedStateError(key: key, problem: "missing") }
        if let count, value.count != count {
            throw SavedStateError(key: key, problem: "holds \(value.count) values, expected \(count)")
        }
        return value
    }
}

/// A saved state lacks an entry its reader needs, or holds one of the wrong size.
public struct SavedStateError: Error, CustomStringConvertible {
    public let key: String
    public let problem: String
    public init(key: String, problem: String) { (self.key, self.problem) = (key, problem) }
    public var description: String { "checkpoint entry '\(key)': \(problem)" }
}
