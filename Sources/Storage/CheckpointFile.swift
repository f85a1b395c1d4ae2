import Foundation

/// The state of an unfinished run, from which `bench run` resumes it: ".<run file name>.checkpoint"
/// beside the run file (hidden, and without the ".h5" ending readers and reports look for).
/// Written like a run file (sealed HDF5, temporary name, sync, rename), so a checkpoint that
/// reads back is whole; its seal's first line, "GEMBench checkpoint", keeps it from passing for a
/// run file. Layout (docs/hdf5-layout.md): root string attributes (identity, code version,
/// position), and the saved arrays at `/float32/KEY`, `/float64/KEY` and `/int64/KEY`.
public enum CheckpointFile {
    static let magic = "GEMBench checkpoint\n"
    public static let schemaVersion: Int64 = 1
    static let suffix = ".checkpoint"

    /// ".NAME.h5.checkpoint" for the run file NAME.h5.
    public static func url(forRunFile runURL: URL) -> URL {
        runURL.deletingLastPathComponent().appendingPathComponent("." + runURL.lastPathComponent + suffix)
    }

    /// Bytes a checkpoint's temporary name ("..NAME.checkpoint.partial-PID") adds to its run file's name.
    public static let temporaryNameOverhead = 1 + suffix.utf8.count + RunFile.partialNameOverhead

    /// The temporary name of a checkpoint being written (removed when its process is gone).
    static func isPartial(_ fileName: String) -> Bool {
        fileName.hasPrefix("..") && fileName.contains(".\(RunFile.fileExtension)\(suffix).partial-")
    }

    /// Writes (or replaces) the checkpoint at `url` atomically.
    public static func write(_ content: CheckpointContent, to url: URL) throws {
        try RunFile.writeSealed(to: url, overwrite: true, magic: magic, schemaVersion: schemaVersion) { file in
            for (name, value) in content.attributes.sorted(by: { $0.key < $1.key }) {
                try file.setAttribute(name, .string(value))
            }
            // uncompressed: a run writes one after every task and keeps it only until it ends, and
            // deflating it under the HDF5 lock stalled the other jobs (docs/performance.md, the paper suite)
            for (key, values) in content.state.floats {
                try file.write(values, shape: [values.count], to: "/float32/" + key, compressed: false)
            }
            for (key, values) in content.state.doubles {
                try file.write(values, shape: [values.count], to: "/float64/" + key, compressed: false)
            }
            for (key, values) in content.state.integers {
                try file.write(values, shape: [values.count], to: "/int64/" + key, compressed: false)
            }
        }
    }

    /// The root attributes only (identity and position), after checking the seal.
    public static func readAttributes(_ url: URL) throws -> [String: String] {
        try open(url) { try attributes(of: $0) }
    }

    /// The whole checkpoint. A truncated, damaged or foreign file throws `CheckpointFileError`.
    public static func read(_ url: URL) throws -> CheckpointContent {
        try open(url) { file in
            var state = (floats: [String: [Float]](), doubles: [String: [Double]](), integers: [String: [Int64]]())
            for key in try datasets(in: file, "/float32") {
                state.floats[key] = try file.read("/float32/" + key).values
            }
            for key in try datasets(in: file, "/float64") {
                state.doubles[key] = try file.read("/float64/" + key).values
            }
            for key in try datasets(in: file, "/int64") { state.integers[key] = try file.read("/int64/" + key).values }
            return CheckpointContent(
                attributes: try attributes(of: file), floats: state.floats, doubles: state.doubles,
                integers: state.integers)
        }
    }

    /// Removes the checkpoint of a run, if there is one.
    public static func remove(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        guard unlink(url.path) == 0 else {
            throw CheckpointFileError(path: url.path, reason: "cannot remove it: \(errnoText())")
        }
    }

    private static func open<T>(_ url: URL, _ body: (HDF5File) throws -> T) throws -> T {
        do {
            try RunFileSeal.verify(url, magic: magic, schemaVersion: schemaVersion)
            return try hdf5Lock.withLock {
                let file = try HDF5File.openReadOnly(url)
                defer { try? file.close() }
                return try body(file)
            }
        } catch let error as RunFileError {
            let reason: String
            switch error {
            case .notARunFile(_, let why): reason = "not a GEMBench checkpoint: \(why)"
            case .damaged(_, let why): reason = "damaged: \(why)"
            default: reason = error.reason
            }
            throw CheckpointFileError(path: url.path, reason: reason)
        } catch let error as HDF5Error {
            throw CheckpointFileError(path: url.path, reason: "unreadable: \(error)")
        }
    }

    private static func attributes(of file: HDF5File) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try file.attributeNames() { out[name] = try file.stringAttribute(name) }
        return out
    }

    /// Every dataset below `group`, as paths relative to it ("plugin0/memory/all/inputs").
    private static func datasets(in file: HDF5File, _ group: String) throws -> [String] {
        guard file.exists(group) else { return [] }
        var keys: [String] = []
        for name in try file.memberNames(of: group) {
            let path = group + "/" + name
            switch file.kind(of: path) {
            case .dataset: keys.append(name)
            case .group: keys += try datasets(in: file, path).map { name + "/" + $0 }
            default: throw file.fail(path, "expected a dataset or a group")
            }
        }
        return keys
    }
}

/// A checkpoint: string attributes (identity, code version, position) and the saved arrays
/// (`Learning.SavedState`'s three kinds; Storage does not depend on Learning).
public struct CheckpointContent: Sendable, Equatable {
    public var attributes: [String: String]
    public var state: (floats: [String: [Float]], doubles: [String: [Double]], integers: [String: [Int64]]) {
        (floats, doubles, integers)
    }
    public var floats: [String: [Float]]
    public var doubles: [String: [Double]]
    public var integers: [String: [Int64]]

    public init(
        attributes: [String: String], floats: [String: [Float]], doubles: [String: [Double]],
        integers: [String: [Int64]]
    ) {
        (self.attributes, self.floats, self.doubles, self.integers) = (attributes, floats, doubles, integers)
    }
}

/// A checkpoint that cannot be used: missing parts, damaged, of another run or code version.
public struct CheckpointFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }
    public var description: String { "checkpoint \(path): \(reason)" }
}
