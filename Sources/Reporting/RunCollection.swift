import Foundation
import Metrics
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
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else {
                continue
            }
            do {
                let run = try RunFile.readSummary(url)
                if let bad = run.firstNonFinite {
                    skipped.append(SkippedRun(fileName: name, reason: "diverged: \(bad); its numbers mean nothing"))
                    continue
                }
                if let disagreement = metricDisagreement(run) {
                    skipped.append(SkippedRun(fileName: name, reason: disagreement))
                    continue
                }
                let key = "\(run.experiment)\u{0}\(run.strategy)\u{0}\(run.seed)"
                if let first = seen[key] {
                    skipped.append(
                        SkippedRun(fileName: name, reason: "duplicate of \(first) (same experiment, strategy and seed)")
                    )
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

    /// Why the stored ACC, BWT and FWT of `run` are not those of its own R and b (as `bench show`
    /// checks), or nil when they agree. A report never averages numbers it cannot vouch for.
    static func metricDisagreement(_ run: RunSummary) -> String? {
        let check = ContinualMetrics(accuracy: run.accuracyMatrix, randomInit: run.randomInitAccuracy)
        guard !check.matches(run.metrics) else { return nil }
        let text = { (v: Double?) in v.map { "\($0)" } ?? "undefined" }
        let metrics: [(name: String, stored: Double?, recomputed: Double?)] =
            [
                ("ACC", run.metrics.acc, check.acc), ("BWT", run.metrics.bwt, check.bwt),
                ("FWT", run.metrics.fwt, check.fwt),
            ]
        let differing = metrics.filter { metric in
            guard let stored = metric.stored, let recomputed = metric.recomputed else {
                return (metric.stored == nil) != (metric.recomputed == nil)
            }
            return !(abs(stored - recomputed) <= 1e-9)
        }
        return "stored metrics disagree with its accuracy matrix R and b: "
            + differing.map { "\($0.name) stored \(text($0.stored)), recomputed \(text($0.recomputed))" }.joined(
                separator: ", ")
    }
}
