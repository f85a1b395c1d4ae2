import Foundation
import Storage

/// A file of a runs folder that is not in the report, and why.
public struct SkippedRun: Sendable, Equatable {
    public var fileName: String
    public var reason: String

    public init(fileName: String, reason: String) {
        self.fileName = fileName
        self.reason = reason
    }
}

/// The runs of a folder that a report is made of, and the files it left out.
public struct RunCollection: Sendable, Equatable {
    /// Sorted by file name.
    public var runs: [RunSummary]
    /// Sorted by file name.
    public var skipped: [SkippedRun]

    public init(runs: [RunSummary], skipped: [SkippedRun] = []) {
        self.runs = runs
        self.skipped = skipped
    }

    /// Reads every run file of `directory` (not its subfolders): names ending in ".h5",
    /// and temporary files of unfinished writes (".<name>.h5.partial-<pid>"), which are
    /// always skipped as incomplete. Unreadable, damaged, foreign and other-schema files
    /// are skipped with the reason; so is a second file of an (experiment, strategy, seed)
    /// already read. Throws only when the folder cannot be listed.
    public static func scan(_ directory: URL) throws -> RunCollection {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw RunFileError.io(path: directory.path, reason: "cannot list the runs folder (does it exist?)")
        }
        var runs: [RunSummary] = []
        var skipped: [SkippedRun] = []
        var seen: [String: String] = [:]
        for name in names where name.hasSuffix(".h5") || RunFile.isPartial(name) {
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            do {
                let run = try RunFile.readSummary(url)
                let key = "\(run.experiment)\u{0}\(run.strategy)\u{0}\(run.seed)"
                if let first = seen[key] {
                    skipped.append(SkippedRun(fileName: name, reason: "duplicate of \(first) (same experiment, strategy and seed)"))
                    continue
                }
                seen[key] = name
                runs.append(run.withRecomputedLaterMetrics())
            } catch let error as RunFileError {
                skipped.append(SkippedRun(fileName: name, reason: error.reason))
            } catch let error as HDF5Error {
                skipped.append(SkippedRun(fileName: name, reason: "\(error.object): \(error.message)"))
            } catch {
                skipped.append(SkippedRun(fileName: name, reason: "\(error)"))
            }
        }
        return RunCollection(runs: runs, skipped: skipped)
    }
}
