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
            summary.md (benchmark x strategy: mean ± sample std over seeds, and n), one SVG per figure under \
            figures/ (per benchmark: metric bars, accuracy per task, accuracy matrices) and report.html (one \
            self-contained page with the tables, figures, runs and provenance) into --out, by default the \
            parent of RUNS_DIR (Results/runs -> Results). Incomplete, damaged, foreign and other-schema files \
            are skipped with the reason, on stderr, in summary.md and report.html; the report still comes \
            out. The output depends only on the run files, so it regenerates byte for byte.
            """)

    @Argument(help: "Folder of run files.")
    var runsDirectory: String = RunFile.defaultDirectory

    @Option(name: .long, help: "Output folder (default: the parent of RUNS_DIR).")
    var out: String?

    @Flag(name: .long, help: "Exit with failure if any file was skipped or no run was found.")
    var strict = false

    @Option(name: .long, help: """
        Also write the GEM paper comparison (runs of the `paper` suite) to PATH.md and PATH.csv, the A-GEM \
        paper's (runs of the `agem-paper` suite, if any) to agem-paper-mnist.md/.csv beside it, and mark the \
        papers' values on those runs' figures.
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
        // every folder is made and checked before any file is written
        do {
            try OutputFolder.prepare(outURL, fileNames: [])
            if let paperTable { try OutputFolder.prepare(URL(fileURLWithPath: paperTable).deletingLastPathComponent(), fileNames: []) }
        } catch {
            FileHandle.standardError.write(Data("bench report: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let outcome: Report.Outcome
        do {
            outcome = try Report.write(runsDirectory: runsURL, to: outURL, command: command, paperMarkers: paperTable != nil)
        } catch {
            FileHandle.standardError.write(Data("bench report: \(error)\n".utf8))
            throw ExitCode.failure
        }
        for run in outcome.skipped {
            FileHandle.standardError.write(Data("bench report: skipped \(run.fileName): \(run.reason)\n".utf8))
        }
        if outcome.runCount == 0 {
            FileHandle.standardError.write(Data("bench report: no complete runs in \(runsDirectory)\n".utf8))
        }
        if let paperTable {
            let collection = try RunCollection.scan(runsURL)
            let folder = URL(fileURLWithPath: paperTable).deletingLastPathComponent()
            // the GEM table at PATH, as always; each other paper's beside it when its runs are there
            for (index, table) in PaperComparison.tables.enumerated() {
                let hasRuns = collection.runs.contains { table.experiments.contains($0.experiment) }
                guard index == 0 || hasRuns else { continue }
                let path = index == 0 ? paperTable : folder.appendingPathComponent(table.fileStem).path
                let (markdown, csv) = PaperComparison.render(table, collection.runs, command: command)
                do {
                    try Data(markdown.utf8).write(to: URL(fileURLWithPath: path + ".md"), options: .atomic)
                    try Data(csv.utf8).write(to: URL(fileURLWithPath: path + ".csv"), options: .atomic)
                } catch {
                    FileHandle.standardError.write(Data("bench report: cannot write \(path).md/.csv: \(error.localizedDescription)\n".utf8))
                    throw ExitCode.failure
                }
                print("wrote \(path).md and \(path).csv")
            }
        }
        print("\(outcome.runCount) runs, \(outcome.skipped.count) skipped")
        let figures = outcome.files.filter { $0.deletingLastPathComponent().lastPathComponent == Report.figuresFolder }
        for file in outcome.files where !figures.contains(file) { print("wrote \(file.path)") }
        print("wrote \(figures.count) figures in \(outURL.appendingPathComponent(Report.figuresFolder).path)")
        if strict && (!outcome.skipped.isEmpty || outcome.runCount == 0) { throw ExitCode.failure }
    }
}
