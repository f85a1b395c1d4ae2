import Foundation
import Storage

/// `bench report`: a runs folder → runs.csv, summary.csv, summary.md, figures/*.svg (with
/// PDF and PNG copies) and report.html, in an output folder that it guards (`ReportFolder`).
public enum Report {
    /// What a report wrote and what it left out.
    public struct Outcome: Sendable, Equatable {
        /// Every file written, in the order written (tables, figures, page, extra files, copies).
        public var files: [URL]
        public var runCount: Int
        public var skipped: [SkippedRun]
        /// What the report could not do but did not stop for (PDF/PNG copies).
        public var warnings: [String] = []
    }

    /// The default output folder for a runs folder: `report/` inside it ("Results/runs" →
    /// "Results/runs/report"), so reports of two runs folders never share a folder.
    public static func defaultOutputDirectory(for runsDirectory: URL) -> URL {
        runsDirectory.standardizedFileURL.appendingPathComponent("report")
    }

    /// How a report writes, beyond what it reads.
    public struct Options: Sendable {
        /// Quoted as the way to regenerate the files.
        public var command: String?
        /// Mark the GEM paper's values on the paper suite's bars.
        public var paperMarkers = false
        /// Also write NAME.pdf and NAME.png beside each figure (`FigureExport`).
        public var pdfAndPNG = false
        /// Replace files that no earlier report listed, and runs.csv rows of runs not read.
        public var force = false
        /// More files to write and own (path relative to the output folder, text): the paper tables.
        public var extraFiles: [(path: String, text: String)] = []

        public init(
            command: String?, paperMarkers: Bool = false, pdfAndPNG: Bool = false, force: Bool = false,
            extraFiles: [(path: String, text: String)] = []
        ) {
            self.command = command
            self.paperMarkers = paperMarkers
            self.pdfAndPNG = pdfAndPNG
            self.force = force
            self.extraFiles = extraFiles
        }
    }

    /// Scans `runsDirectory` and writes its report into `outputDirectory` (see below).
    public static func write(
        runsDirectory: URL, to outputDirectory: URL, command: String?,
        paperMarkers: Bool = false
    ) throws -> Outcome {
        try write(
            runsDirectory: runsDirectory, to: outputDirectory,
            options: Options(command: command, paperMarkers: paperMarkers))
    }

    public static func write(runsDirectory: URL, to outputDirectory: URL, options: Options) throws -> Outcome {
        try write(
            try RunCollection.scan(runsDirectory), to: outputDirectory, runsDirectory: runsDirectory, options: options)
    }

    /// Writes into `outputDirectory` (created if needed): runs.csv, summary.csv, summary.md,
    /// one SVG per figure under figures/ (`Figures`), report.html and `options.extraFiles`,
    /// each replaced atomically; then the PDF and PNG copies when asked, and the list of the
    /// files written (`ReportFolder.manifestName`). Files of an earlier report that this one
    /// did not write are removed. Unless `options.force`, nothing is written when a file in
    /// the way is not on the earlier report's list, or when the folder's runs.csv has rows of
    /// runs that `collection` lacks (`ReportFolder.Refusal`).
    /// - Parameter runsDirectory: where the run files are, for the page's links and commands.
    public static func write(
        _ collection: RunCollection, to outputDirectory: URL, runsDirectory: URL? = nil,
        options: Options
    ) throws -> Outcome {
        let figuresDirectory = outputDirectory.appendingPathComponent(figuresFolder)
        let rows = Summary.rows(collection.runs)
        let figures = Figures.render(collection.runs, paperMarkers: options.paperMarkers)
        var warnings: [String] = []
        let converter = options.pdfAndPNG ? FigureExport.converter() : nil
        if options.pdfAndPNG && converter == nil { warnings.append(FigureExport.missingWarning) }
        let page = ReportPage.render(
            ReportPage.Context(
                runs: collection.runs, skipped: collection.skipped, figures: figures, figuresFolder: figuresFolder,
                runsLink: runsDirectory.map { relativePath(from: outputDirectory, to: $0) } ?? "",
                runsPath: runsDirectory?.relativePath ?? "RUNS_DIR", command: options.command,
                copies: converter == nil ? [] : FigureExport.formats))
        var outputs = [
            ("runs.csv", Tables.runsCSV(collection.runs)),
            ("summary.csv", Tables.summaryCSV(rows)),
            ("summary.md", Tables.summaryMarkdown(rows, skipped: collection.skipped, command: options.command)),
        ]
        outputs += figures.map { (figuresFolder + "/" + $0.fileName, $0.svg) }
        outputs.append(("report.html", page))
        outputs += options.extraFiles.map { ($0.path, $0.text) }
        let svgs = figures.map { figuresFolder + "/" + $0.fileName }
        let copies =
            converter == nil
            ? []
            : svgs.flatMap { svg in
                FigureExport.formats.map { String(svg.dropLast(3)) + $0 }
            }

        let folders = Set(outputs.map { outputDirectory.appendingPathComponent($0.0).deletingLastPathComponent() })
        for folder in [outputDirectory, figuresDirectory] + folders.sorted(by: { $0.path < $1.path }) {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw RunFileError.io(path: folder.path, reason: "cannot create the output folder")
            }
        }
        if !options.force {
            try ReportFolder.check(
                outputDirectory, planned: outputs.map(\.0) + copies, runs: collection.runs,
                runsFolder: runsDirectory?.relativePath ?? "the runs folder")
        }
        // listed first, so that a report cut short still owns what it began to write
        let listed = ReportFolder.listedFiles(in: outputDirectory)
        try ReportFolder.writeManifest(listed.union(outputs.map(\.0) + copies), in: outputDirectory)
        var files: [URL] = []
        for (name, text) in outputs {
            let url = outputDirectory.appendingPathComponent(name)
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw RunFileError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
            files.append(url)
        }
        if let converter {
            let exported = FigureExport.writeCopies(
                of: svgs.map { outputDirectory.appendingPathComponent($0) },
                converter: converter)
            files += exported.files
            warnings += exported.failures
        }
        let written = Set(files.map { relativePath(from: outputDirectory, to: $0) })
        ReportFolder.removeStale(listed, written: written, in: outputDirectory)
        try ReportFolder.writeManifest(written, in: outputDirectory)
        return Outcome(files: files, runCount: collection.runs.count, skipped: collection.skipped, warnings: warnings)
    }

    /// The figures' subfolder of the output folder.
    public static let figuresFolder = "figures"

    /// The path of `target` relative to the folder `base` ("Results" → "Results/runs" is "runs").
    static func relativePath(from base: URL, to target: URL) -> String {
        let from = base.standardizedFileURL.pathComponents
        let to = target.standardizedFileURL.pathComponents
        let common = zip(from, to).prefix { $0 == $1 }.count
        let parts = Array(repeating: "..", count: from.count - common) + to[common...]
        return parts.joined(separator: "/")
    }
}
