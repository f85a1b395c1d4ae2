import Foundation
import Storage

/// `bench report`: a runs folder → runs.csv, summary.csv, summary.md, figures/*.svg and report.html.
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

    /// Scans `runsDirectory` and writes into `outputDirectory` (created if needed):
    /// runs.csv, summary.csv, summary.md, one SVG per figure under figures/ (`Figures`) and
    /// report.html. Each file is replaced atomically. `command` is quoted as the way to
    /// regenerate them; `paperMarkers` marks the GEM paper's values on the paper suite's bars.
    public static func write(runsDirectory: URL, to outputDirectory: URL, command: String?,
                             paperMarkers: Bool = false) throws -> Outcome {
        let collection = try RunCollection.scan(runsDirectory)
        return try write(collection, to: outputDirectory, command: command, runsDirectory: runsDirectory,
                         paperMarkers: paperMarkers)
    }

    /// - Parameter runsDirectory: where the run files are, for the page's links and commands.
    public static func write(_ collection: RunCollection, to outputDirectory: URL, command: String?,
                             runsDirectory: URL? = nil, paperMarkers: Bool = false) throws -> Outcome {
        let figuresDirectory = outputDirectory.appendingPathComponent(figuresFolder)
        for folder in [outputDirectory, figuresDirectory] {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw RunFileError.io(path: folder.path, reason: "cannot create the output folder")
            }
        }
        let rows = Summary.rows(collection.runs)
        let figures = Figures.render(collection.runs, paperMarkers: paperMarkers)
        let page = ReportPage.render(ReportPage.Context(
            runs: collection.runs, skipped: collection.skipped, figures: figures, figuresFolder: figuresFolder,
            runsLink: runsDirectory.map { relativePath(from: outputDirectory, to: $0) } ?? "",
            runsPath: runsDirectory?.relativePath ?? "RUNS_DIR", command: command))
        var outputs = [("runs.csv", Tables.runsCSV(collection.runs)),
                       ("summary.csv", Tables.summaryCSV(rows)),
                       ("summary.md", Tables.summaryMarkdown(rows, skipped: collection.skipped, command: command))]
        outputs += figures.map { (figuresFolder + "/" + $0.fileName, $0.svg) }
        outputs.append(("report.html", page))
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

    /// The figures' subfolder of the output folder.
    public static let figuresFolder = "figures"

    /// The path of `target` relative to the folder `base` ("Results" → "Results/runs" is "runs").
    static func relativePath(from base: URL, to target: URL) -> String {
        let from = base.standardizedFileURL.pathComponents, to = target.standardizedFileURL.pathComponents
        let common = zip(from, to).prefix { $0 == $1 }.count
        let parts = Array(repeating: "..", count: from.count - common) + to[common...]
        return parts.joined(separator: "/")
    }
}
