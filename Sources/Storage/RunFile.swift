import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a run file could not be written or read (HDF5-level failures are `HDF5Error`s).
public enum RunFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A complete run file is already there and `overwrite` was not asked for.
    case alreadyExists(path: String)
    /// A temporary file of a write that never finished.
    case incomplete(path: String)
    /// A run file of another schema version.
    case schemaVersion(path: String, found: Int64, expected: Int64)
    /// An HDF5 file that is not a GEMBench run file, or one missing required content.
    case notARunFile(path: String, reason: String)
    /// A run file whose bytes are not those written (truncated, corrupted, modified).
    case damaged(path: String, reason: String)
    /// The record cannot be stored as it is (inconsistent shapes, bad names).
    case invalidRecord(path: String, reason: String)
    /// A file-system operation failed.
    case io(path: String, reason: String)
    /// Run files cannot be written into this folder (not a folder, read-only, full, ...).
    case outputFolder(path: String, reason: String)
    /// A run file name the file system cannot take (too long with its temporary name).
    case invalidName(name: String, reason: String)

    /// The file in question.
    public var path: String {
        switch self {
        case .alreadyExists(let path), .incomplete(let path), .schemaVersion(let path, _, _),
            .notARunFile(let path, _), .damaged(let path, _), .invalidRecord(let path, _), .io(let path, _),
            .outputFolder(let path, _), .invalidName(let path, _):
            return path
        }
    }

    /// What is wrong, without the path.
    public var reason: String {
        switch self {
        case .alreadyExists:
            return "a complete run file already exists (use --force to overwrite it)"
        case .incomplete:
            return "incomplete run (temporary file of an interrupted or running write)"
        case .schemaVersion(_, let found, let expected):
            return "schema_version \(found), this build reads schema_version \(expected)"
        case .notARunFile(_, let reason):
            return "not a GEMBench run file: \(reason)"
        case .damaged(_, let reason):
            return "damaged run file: \(reason)"
        case .invalidRecord(_, let reason):
            return "cannot store run: \(reason)"
        case .io(_, let reason), .outputFolder(_, let reason), .invalidName(_, let reason):
            return reason
        }
    }

    public var description: String { "\(path): \(reason)" }
}

/// Reads and writes run files: one HDF5 file per (experiment, strategy, seed).
/// The layout is documented in docs/hdf5-layout.md.
public enum RunFile {
    /// The layout version written to the root attribute `schema_version`.
    public static let schemaVersion: Int64 = 1
    /// Where runs go unless told otherwise.
    public static let defaultDirectory = "Results/runs"
    /// The extension of complete run files.
    public static let fileExtension = "h5"

    /// "<experiment>__<strategy>__seed<seed>.h5"; "/" and whitespace in names become "-".
    public static func fileName(experiment: String, strategy: String, seed: Int) -> String {
        "\(sanitize(experiment))__\(sanitize(strategy))__seed\(seed).\(fileExtension)"
    }

    /// The default location of a run: `directory/fileName(...)`.
    public static func url(in directory: URL, experiment: String, strategy: String, seed: Int) -> URL {
        directory.appendingPathComponent(fileName(experiment: experiment, strategy: strategy, seed: seed))
    }

    private static func sanitize(_ name: String) -> String {
        String(name.map { $0 == "/" || $0.isWhitespace ? "-" : $0 })
    }

    /// Whether `url` holds a complete, intact run file of this schema version (its header
    /// checks out); cheap enough to decide whether a run must be redone on resume.
    public static func isComplete(_ url: URL) -> Bool {
        guard !isPartial(url.lastPathComponent) else { return false }
        return (try? RunFileSeal.verify(url)) != nil
    }

    /// What a sealed GEMBench file of runs holds: a whole run, or a run summary written by
    /// `bench summarize` (the run's identity, config, tasks, metrics and timings, without its
    /// model, episodic memory and per-step losses and diagnostics: small enough to commit).
    public enum Content: String, Sendable {
        case run, summary
    }

    /// Writes `record` to `finalURL` atomically: built in memory, written to a temporary
    /// file in the same folder, synced, then renamed. An existing complete file is never
    /// replaced unless `overwrite`; a failed write (a full disk, a file size limit) leaves
    /// any old file as it was and removes the temporary.
    public static func write(_ record: RunRecord, to finalURL: URL, overwrite: Bool = false) throws {
        try writeSealed(to: finalURL, overwrite: overwrite, magic: RunFileSeal.magic, schemaVersion: schemaVersion) {
            try RunEncoding.encode(record, into: $0)
        }
    }

    /// Writes the summary of `record` (`RunRecord.summarized()`) to `finalURL`, atomically and
    /// never over an existing file unless `overwrite`, as `write` does.
    public static func writeSummary(_ record: RunRecord, to finalURL: URL, overwrite: Bool = false) throws {
        try writeSealed(
            to: finalURL, overwrite: overwrite, magic: RunFileSeal.summaryMagic,
            schemaVersion: schemaVersion
        ) {
            try RunEncoding.encode(record.summarized(), into: $0, content: .summary)
        }
    }

    /// The atomic write of a sealed HDF5 file (run files, checkpoints): `encode` fills it in
    /// memory, then it is sealed, written to its temporary name, synced and renamed.
    static func writeSealed(
        to finalURL: URL, overwrite: Bool, magic: String, schemaVersion: Int64,
        encode: (HDF5File) throws -> Void
    ) throws {
        let directory = finalURL.deletingLastPathComponent()
        try OutputFolder.createFolder(directory)
        if !overwrite && FileManager.default.fileExists(atPath: finalURL.path) {
            throw RunFileError.alreadyExists(path: finalURL.path)
        }
        var image = try hdf5Lock.withLock {
            let file = try HDF5File.createInMemory(naming: finalURL, userBlockSize: RunFileSeal.size)
            try encode(file)
            return try file.closeReturningImage()
        }
        try RunFileSeal.seal(&image, magic: magic, schemaVersion: schemaVersion, path: finalURL.path)
        let partial = try PartialFile(for: finalURL)
        do {
            try partial.write(image, finalPath: finalURL.path)
            try commit(partial, to: finalURL, overwrite: overwrite)
        } catch {
            partial.close()
            _ = unlink(partial.url.path)
            throw error
        }
        syncFolder(directory)
    }

    /// Makes the rename itself durable (best effort: not every file system syncs folders).
    private static func syncFolder(_ directory: URL) {
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Reads a complete run file back. Temporary files of unfinished writes, foreign,
    /// truncated or damaged files and other schema versions give a `RunFileError`.
    /// A run summary gives a `RunFileError` that says what it lacks (`readStored` reads both).
    public static func read(_ url: URL) throws -> RunRecord {
        try withRunFile(url, accepting: [.run]) { file, _ in try RunEncoding.decode(file, content: .run) }
    }

    /// Reads a run file or a run summary; a summary's record has no parameters, memory, per-step
    /// losses or diagnostics (as `RunRecord.summarized()`).
    public static func readStored(_ url: URL) throws -> (record: RunRecord, content: Content) {
        try withRunFile(url, accepting: [.run, .summary]) { file, content in
            (try RunEncoding.decode(file, content: content), content)
        }
    }

    /// Reads what reports need (identity, metrics, timings), skipping the large datasets, from a
    /// run file or a run summary.
    public static func readSummary(_ url: URL) throws -> RunSummary {
        try withRunFile(url, accepting: [.run, .summary]) { file, content in
            try RunEncoding.decodeSummary(file, fileName: url.lastPathComponent, content: content)
        }
    }

    private static func withRunFile<T>(
        _ url: URL, accepting kinds: Set<Content>,
        _ body: (HDF5File, Content) throws -> T
    ) throws -> T {
        if isPartial(url.lastPathComponent) { throw RunFileError.incomplete(path: url.path) }
        // Nothing reaches libhdf5 before its header says it is a complete, intact run file.
        let content: Content = RunFileSeal.startsWith(RunFileSeal.summaryMagic, url) ? .summary : .run
        guard kinds.contains(content) else {
            throw RunFileError.notARunFile(
                path: url.path,
                reason: "a run summary (bench summarize), without the "
                    + "model, memory and per-step losses; bench report, show and rerun read it")
        }
        try RunFileSeal.verify(url, magic: content == .summary ? RunFileSeal.summaryMagic : RunFileSeal.magic)
        return try hdf5Lock.withLock {
            let file = try HDF5File.openReadOnly(url)
            defer { try? file.close() }
            guard file.hasAttribute("schema_version") else {
                throw RunFileError.notARunFile(path: url.path, reason: "no root attribute 'schema_version'")
            }
            let version: Int64
            do { version = try file.intAttribute("schema_version") } catch {
                throw RunFileError.notARunFile(
                    path: url.path, reason: "root attribute 'schema_version' is not an integer")
            }
            guard version == schemaVersion else {
                throw RunFileError.schemaVersion(path: url.path, found: version, expected: schemaVersion)
            }
            return try body(file, content)
        }
    }

    /// Moves the temporary file into place and releases its lock as soon as the final name
    /// exists. Without `overwrite`, `link` + `unlink` makes "create only if absent" atomic even
    /// against a concurrent writer.
    private static func commit(_ partial: PartialFile, to finalURL: URL, overwrite: Bool) throws {
        let temporary = partial.url.path
        if overwrite {
            guard rename(temporary, finalURL.path) == 0 else {
                throw RunFileError.io(path: finalURL.path, reason: "cannot rename the temporary file: \(errnoText())")
            }
            partial.close()
            return
        }
        if link(temporary, finalURL.path) == 0 {
            partial.close()
            _ = unlink(temporary)
            return
        }
        let code = errno
        if code == EEXIST { throw RunFileError.alreadyExists(path: finalURL.path) }
        // File systems without hard links: check, then rename.
        if FileManager.default.fileExists(atPath: finalURL.path) {
            throw RunFileError.alreadyExists(path: finalURL.path)
        }
        guard rename(temporary, finalURL.path) == 0 else {
            throw RunFileError.io(path: finalURL.path, reason: "cannot rename the temporary file: \(errnoText())")
        }
        partial.close()
    }
}

/// libhdf5 may be built without thread safety; all run-file access goes through this lock.
let hdf5Lock = NSLock()
