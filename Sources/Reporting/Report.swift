import Foundation
import Storage

/// `bench report`: a runs folder → runs.csv, summary.csv, summary.md.
public enum Report {
    /// What a report wrote and what it left out.
    public struct Outcome: Sendable, Equatable {
        public var files: [URL]
        public var runCount: Int
        public var skipped: [SkippedRun]
    }

    /// The default output folder for a runs folder: its parent ("Results/runs" → "Results").
    public static func defaultOutputDirectory(for runsDirectory: URL) -> URL {
        runsDirectory.standardizedFileURL.deletingLastPathComponent()
    }

    /// Scans `runsDirectory` and writes runs.csv, summary.csv and summary.md into
    /// `outputDirectory` (created if needed). Each file is replaced atomically. `command`
    /// is quoted in summary.md as the way to regenerate it.
    public static func write(runsDirectory: URL, to outputDirectory: URL, command: String?) throws -> Outcome {
        let collection = try RunCollection.scan(runsDirectory)
        return try write(collection, to: outputDirectory, command: command)
    }

    public static func write(_ collection: RunCollection, to outputDirectory: URL, command: String?) throws -> Outcome {
        do {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw RunFileError.io(path: outputDirectory.path, reason: "cannot create the output folder")
        }
        let rows = Summary.rows(collection.runs)
        let outputs = [("runs.csv", Tables.runsCSV(collection.runs)),
                       ("summary.csv", Tables.summaryCSV(rows)),
                       ("summary.md", Tables.summaryMarkdown(rows, skipped: collection.skipped, command: command))]
        var files: [URL] = []
        for (name, text) in outputs {
            let url = outputDirectory.appendingPathComponent(name)
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw RunFileError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
            files.append(url)
        }
        return Outcome(files: files, runCount: collection.runs.count, skipped: collection.skipped)
    }
}
