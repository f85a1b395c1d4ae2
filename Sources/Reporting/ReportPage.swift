import Foundation
import Storage

/// `report.html`: one self-contained page (no network, no scripts) with the results
/// table, every figure (embedded as data: URIs, each linked to its SVG file), the runs
/// with links to their files, the provenance (commits, machines, commands) and the
/// skipped files. Deterministic like the tables: no time of writing, sorted content.
enum ReportPage {
    struct Context {
        var runs: [RunSummary]
        var skipped: [SkippedRun]
        var figures: [Figure]
        /// The figures' folder, relative to the page ("figures").
        var figuresFolder: String
        /// The runs folder relative to the page, for links ("runs").
        var runsLink: String
        /// The runs folder as the user typed it, for commands ("Results/runs").
        var runsPath: String
        /// The command that regenerates the report.
        var command: String?
        /// The formats each figure is also written in beside its SVG ("pdf", "png"), linked from its caption.
        var copies: [String] = []
    }

    static func render(_ context: Context) -> String {
        let rows = Summary.rows(context.runs)
        let benchmarks = Array(Set(context.figures.map(\.benchmark))).sorted()
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>GEMBench report</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>GEMBench report</h1>

            """
        html +=
            "<p>\(context.runs.count) runs from <code>\(escape(context.runsPath))</code>"
            + (context.skipped.isEmpty ? "" : ", \(context.skipped.count) files skipped (<a href=\"#skipped\">why</a>)")
            + ".\(context.command.map { " Regenerate with <code>\(escape($0))</code>." } ?? "")</p>\n"
        html += "<nav><a href=\"#results\">Results</a>"
        for benchmark in benchmarks { html += " · <a href=\"#\(anchor(benchmark))\">\(escape(benchmark))</a>" }
        html += " · <a href=\"#runs\">Runs</a> · <a href=\"#provenance\">Provenance</a></nav>\n"
        html += resultsSection(rows, runs: context.runs)
        for benchmark in benchmarks {
            html += "\n<section id=\"\(anchor(benchmark))\">\n<h2>\(escape(benchmark))</h2>\n"
            let shown = context.figures.filter { $0.benchmark == benchmark }
            for figure in shown where figure.kind != "matrix" {
                html += figureElement(figure, folder: context.figuresFolder, copies: context.copies)
            }
            // the accuracy matrices side by side
            html += "<div class=\"gallery\">\n"
            for figure in shown where figure.kind == "matrix" {
                html += figureElement(figure, folder: context.figuresFolder, copies: context.copies)
            }
            html += "</div>\n"
            html += "</section>\n"
        }
        html += runsSection(context)
        html += provenanceSection(context, rows: rows)
        if !context.skipped.isEmpty {
            html += "\n<section id=\"skipped\">\n<h2>Skipped files</h2>\n<ul>\n"
            for run in context.skipped {
                html += "<li><code>\(escape(run.fileName))</code>: \(escape(run.reason))</li>\n"
            }
            html += "</ul>\n</section>\n"
        }
        return html + "</body>\n</html>\n"
    }

    // MARK: Sections

    private static func resultsSection(_ rows: [SummaryRow], runs: [RunSummary]) -> String {
        var html = "\n<section id=\"results\">\n<h2>Results</h2>\n"
        html +=
            "<p>Mean ± sample standard deviation (n − 1) over seeds; accuracies are fractions in [0, 1]. "
            + "ACC, BWT and FWT as stored in the run files (GEM paper, section 4); forgetting (Chaudhry et al. 2018) "
            + "computed from R; LCA_10 (Chaudhry et al. 2019) where runs recorded it. n/a = undefined (one task, or "
            + "joint training) or not stored. Train and Eval (s): wall time training, and evaluating R after every "
            + "task; Peak RSS: the run's peak resident memory, * where runs side by side shared a process (an upper "
            + "bound).</p>\n"
        guard !rows.isEmpty else { return html + "<p>No complete runs.</p>\n</section>\n" }
        html +=
            "<table>\n<thead><tr><th>Benchmark</th><th>Strategy</th><th>Experiment</th><th>n</th><th>ACC</th>"
            + "<th>BWT</th><th>FWT</th><th>Forgetting</th><th>LCA</th><th>Train (s)</th><th>Eval (s)</th>"
            + "<th>Peak RSS (MiB)</th></tr></thead>\n<tbody>\n"
        for row in rows {
            let metrics: [String] = [
                Tables.cell(row.acc, of: row.n), Tables.cell(row.bwt, of: row.n),
                Tables.cell(row.fwt, of: row.n), Tables.cell(row.forgetting, of: row.n),
                Tables.cell(row.lca, of: row.n),
            ]
            let numbers = (metrics + Tables.timingCells(row)).map { "<td class=\"number\">\(escape($0))</td>" }
            html +=
                "<tr><td>\(escape(row.benchmark))</td><td>\(escape(row.strategy))</td><td>\(escape(row.experiment))</td>"
                + "<td class=\"number\">\(row.n)</td>" + numbers.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    private static func figureElement(_ figure: Figure, folder: String, copies: [String]) -> String {
        let (width, height) = size(of: figure.svg)
        let source = "data:image/svg+xml;base64," + Data(figure.svg.utf8).base64EncodedString()
        let link = folder.isEmpty ? figure.fileName : folder + "/" + figure.fileName
        let copyLinks = copies.map { format in
            " · <a href=\"\(escape(String(link.dropLast(3)) + format))\">\(format.uppercased())</a>"
        }.joined()
        return
            "<figure>\n<img src=\"\(source)\" width=\"\(width)\" height=\"\(height)\" alt=\"\(escape(figure.title))\">\n"
            + "<figcaption>\(escape(figure.title)) (<a href=\"\(escape(link))\">\(escape(figure.fileName))</a>\(copyLinks))"
            + "</figcaption>\n</figure>\n"
    }

    private static func runsSection(_ context: Context) -> String {
        var html = "\n<section id=\"runs\">\n<h2>Runs</h2>\n"
        html +=
            "<table>\n<thead><tr><th>Run file</th><th>Experiment</th><th>Strategy</th><th>Seed</th><th>Tasks</th>"
            + "<th>ACC</th><th>BWT</th><th>FWT</th><th>Train (s)</th><th>Commit</th><th>Created</th></tr></thead>\n<tbody>\n"
        for run in sortedRuns(context.runs) {
            let link = context.runsLink.isEmpty ? run.fileName : context.runsLink + "/" + run.fileName
            let metric = { (v: Double?) in v.map { NumberFormat.fixed($0, 3) } ?? "n/a" }
            html +=
                "<tr><td><a href=\"\(escape(link))\">\(escape(run.fileName))</a></td><td>\(escape(run.experiment))</td>"
                + "<td>\(escape(run.strategy))</td><td class=\"number\">\(run.seed)</td>"
                + "<td class=\"number\">\(run.taskCount)</td><td class=\"number\">\(metric(run.metrics.acc))</td>"
                + "<td class=\"number\">\(metric(run.metrics.bwt))</td><td class=\"number\">\(metric(run.metrics.fwt))</td>"
                + "<td class=\"number\">\(NumberFormat.fixed(run.trainSeconds, 1))</td>"
                + "<td><code>\(escape(String(run.gitCommit.prefix(12))))</code></td><td>\(escape(run.created))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    private static func provenanceSection(_ context: Context, rows: [SummaryRow]) -> String {
        var html = "\n<section id=\"provenance\">\n<h2>Provenance</h2>\n<dl>\n"
        func counted(_ values: [String]) -> String {
            let counts = Dictionary(grouping: values) { $0 }.mapValues(\.count)
            return counts.keys.sorted().map { "<li><code>\(escape($0))</code> (\(counts[$0]!) runs)</li>" }.joined(
                separator: "\n")
        }
        html +=
            "<dt>Code (GEMBench version, git commit)</dt>\n<dd><ul>\n"
            + counted(context.runs.map { "\($0.gembenchVersion) \($0.gitCommit)" }) + "\n</ul></dd>\n"
        html += "<dt>Machines</dt>\n<dd><ul>\n" + counted(context.runs.map(\.machine)) + "\n</ul></dd>\n"
        let created = context.runs.map(\.created).sorted()
        if let first = created.first, let last = created.last {
            html += "<dt>Runs written</dt>\n<dd>\(escape(first)) to \(escape(last)) (UTC)</dd>\n"
        }
        html += "<dt>Commands</dt>\n<dd><ul>\n"
        if let command = context.command {
            html += "<li>This page, its figures and tables: <code>\(escape(command))</code></li>\n"
        }
        for row in rows {
            html +=
                "<li>\(escape(row.benchmark)) / \(escape(row.strategy)): <code>"
                + escape(runCommand(row, runs: context.runs, runsPath: context.runsPath)) + "</code></li>\n"
        }
        html +=
            "<li>Check that a run repeats bit for bit: <code>swift run bench rerun \(escape(context.runsPath))/RUN.h5</code></li>\n"
        html += "</ul></dd>\n</dl>\n</section>\n"
        return html
    }

    // MARK: Helpers

    /// The command that plans a row's runs again: with the experiment folders they were planned
    /// with (`--experiments`, in front of the shipped ones), so that it finds their experiment.
    static func runCommand(_ row: SummaryRow, runs: [RunSummary], runsPath: String) -> String {
        var folders: [String] = []
        for run in runs
        where run.experiment == row.experiment && run.strategy == row.strategy
            && run.benchmark == row.benchmark
        {
            for folder in run.experimentFolders where !folders.contains(folder) { folders.append(folder) }
        }
        return "swift run bench run " + shellQuoted("\(row.experiment)/\(row.strategy)")
            + " --seeds " + row.seeds.map(String.init).joined(separator: ",")
            + folders.map { " --experiments " + shellQuoted($0) }.joined()
            + " --out " + shellQuoted(runsPath)
    }

    private static func sortedRuns(_ runs: [RunSummary]) -> [RunSummary] {
        runs.sorted {
            ($0.benchmark, $0.strategy, $0.experiment, $0.seed, $0.fileName)
                < ($1.benchmark, $1.strategy, $1.experiment, $1.seed, $1.fileName)
        }
    }

    /// The width and height attributes of an SVG document written by `SVGDocument`.
    static func size(of svg: String) -> (String, String) {
        func attribute(_ name: String) -> String {
            guard let start = svg.range(of: " \(name)=\"") else { return "" }
            return String(svg[start.upperBound...].prefix { $0 != "\"" })
        }
        return (attribute("width"), attribute("height"))
    }

    static func anchor(_ name: String) -> String { "b-" + Figures.fileSafe(name) }

    static func escape(_ text: String) -> String { SVGDocument.escape(text) }

    private static let style = """

        body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 1400px; \
        padding: 0 1em; color: #111; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
        nav { margin: 1em 0; }
        table { border-collapse: collapse; font-size: .9em; margin: .5em 0 1em; }
        th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
        th { background: #f2f2f2; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        figure { margin: 1em 0 2em; overflow-x: auto; }
        .gallery { display: flex; flex-wrap: wrap; gap: 0 1.5em; }
        .gallery figure { margin: .5em 0 1em; }
        figure img { display: block; max-width: none; border: 1px solid #eee; }
        figcaption { font-size: .9em; color: #333; margin-top: .3em; }
        code { font-size: .95em; }

        """
}
