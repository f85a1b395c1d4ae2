import ArgumentParser
import Foundation
import Reporting
import Storage

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Tables, figures and report.html from run files.",
        discussion: """
            Reads every run file (*.h5) of RUNS_DIR and writes runs.csv (one row per run), summary.csv and \
            summary.md (benchmark x strategy: mean ± sample std over seeds, and n), the figures under figures/ \
            (per benchmark: metric bars, average accuracy on the tasks seen so far, accuracy on the first task, \
            accuracy per task, accuracy matrices, and the eval_every curves; each as SVG, and as PDF and PNG drawn \
            from it by rsvg-convert) and report.html (one self-contained page with the tables, figures, runs and \
            provenance) into --out, by default RUNS_DIR/report. It lists what it wrote in report-files.txt there \
            and replaces nothing else: a file in the way that an earlier report did not write, or a runs.csv \
            with rows of runs that RUNS_DIR does not have (tables made from more runs), stops it unless --force. \
            Incomplete, damaged, foreign and other-schema files are skipped with the reason, on stderr, in \
            summary.md and report.html; the report still comes out. The output depends only on the run files, so \
            it regenerates byte for byte.
            """)

    @Argument(help: "Folder of run files.")
    var runsDirectory: String = RunFile.defaultDirectory

    @Option(name: .long, help: "Output folder (default: RUNS_DIR/report).")
    var out: String?

    @Flag(
        name: .long,
        help: """
            Replace files in the output folder that no earlier report wrote, and a runs.csv with rows of runs \
            that RUNS_DIR does not have.
            """)
    var force = false

    @Flag(name: .long, help: "Write the figures as SVG only, without their PDF and PNG copies.")
    var svgOnly = false

    @Flag(name: .long, help: "Exit with failure if any file was skipped or no run was found.")
    var strict = false

    @Option(
        name: .long,
        help: """
            Also write the GEM paper comparison (runs of the `paper` suite) to PATH.md and PATH.csv, the A-GEM \
            paper's (runs of the `agem-paper` suite) to agem-paper-mnist.md/.csv beside it, each when its runs are \
            there (the GEM paper's also when neither is, to say so), and mark the papers' values on those runs' \
            figures. PATH lies in the output folder.
            """)
    var paperTable: String?

    func validate() throws {
        try requireNonEmpty(runsDirectory, "RUNS_DIR", "a folder of run files")
        try requireNonEmpty(out, "--out", "an output folder")
        try requireNonEmpty(paperTable, "--paper-table", "a path without extension, e.g. Results/gem-paper-mnist")
    }

    func run() throws {
        let runsURL = URL(fileURLWithPath: runsDirectory)
        let outURL = out.map { URL(fileURLWithPath: $0) } ?? Report.defaultOutputDirectory(for: runsURL)
        var command = "swift run bench report \(shellQuoted(runsDirectory))"
        if let out { command += " --out \(shellQuoted(out))" }
        if let paperTable { command += " --paper-table \(shellQuoted(paperTable))" }
        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("bench report: \(message)\n".utf8))
            return ExitCode.failure
        }
        // every folder is made and checked before any file is written
        do { try OutputFolder.prepare(outURL, fileNames: []) } catch { throw fail("\(error)") }
        let collection: RunCollection
        do { collection = try RunCollection.scan(runsURL) } catch { throw fail("\(error)") }
        let paperFiles =
            try paperTable.map { try paperTables($0, collection: collection, out: outURL, command: command) } ?? []
        let outcome: Report.Outcome
        do {
            outcome = try Report.write(
                collection, to: outURL, runsDirectory: runsURL,
                options: Report.Options(
                    command: command, paperMarkers: paperTable != nil, pdfAndPNG: !svgOnly, force: force,
                    extraFiles: paperFiles))
        } catch {
            throw fail("\(error)")
        }
        for run in outcome.skipped {
            FileHandle.standardError.write(Data("bench report: skipped \(run.fileName): \(run.reason)\n".utf8))
        }
        for warning in outcome.warnings {
            FileHandle.standardError.write(Data("bench report: warning: \(warning)\n".utf8))
        }
        if outcome.runCount == 0 {
            FileHandle.standardError.write(Data("bench report: no complete runs in \(runsDirectory)\n".utf8))
        }
        print("\(outcome.runCount) runs, \(outcome.skipped.count) skipped")
        let figures = outcome.files.filter { $0.deletingLastPathComponent().lastPathComponent == Report.figuresFolder }
        for file in outcome.files where !figures.contains(file) { print("wrote \(file.path)") }
        let formats = Set(figures.map(\.pathExtension)).sorted().map { $0.uppercased() }.joined(separator: ", ")
        print(
            "wrote \(figures.count) figure files (\(formats)) in \(outURL.appendingPathComponent(Report.figuresFolder).path)"
        )
        if strict && (!outcome.skipped.isEmpty || outcome.runCount == 0) { throw ExitCode.failure }
    }

    /// The GEM paper's table at PATH.md/.csv, and each other paper's beside it when its runs are
    /// there, as files of the report (paths relative to the output folder, which must hold them).
    private func paperTables(_ path: String, collection: RunCollection, out: URL, command: String) throws
        -> [(path: String, text: String)]
    {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL
        let base = out.standardizedFileURL.pathComponents
        let inside = folder.pathComponents
        guard inside.starts(with: base) else {
            let message =
                "bench report: --paper-table \(path) is outside the output folder \(out.path): "
                + "give --out \((path as NSString).deletingLastPathComponent) (or a folder above it), or a PATH inside \(out.path)\n"
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode.failure
        }
        do { try OutputFolder.prepare(folder, fileNames: []) } catch {
            FileHandle.standardError.write(Data("bench report: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let relativeFolder = inside.dropFirst(base.count).joined(separator: "/")
        var files: [(path: String, text: String)] = []
        let hasRuns = PaperComparison.tables.map { table in
            collection.runs.contains { table.experiments.contains($0.experiment) }
        }
        for (index, table) in PaperComparison.tables.enumerated() {
            // the GEM paper's page also says when no paper's runs are there at all
            guard hasRuns[index] || (index == 0 && !hasRuns.contains(true)) else { continue }
            let stem = index == 0 ? URL(fileURLWithPath: path).lastPathComponent : table.fileStem
            let (markdown, csv) = PaperComparison.render(table, collection.runs, command: command)
            let prefix = relativeFolder.isEmpty ? stem : relativeFolder + "/" + stem
            files += [(prefix + ".md", markdown), (prefix + ".csv", csv)]
        }
        return files
    }
}
