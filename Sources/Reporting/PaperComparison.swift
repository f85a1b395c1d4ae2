import Foundation
import Storage

/// Our results beside a paper's own: one renderer (`render`) over a description of each
/// paper's table (`PaperTable`: its experiments, methods, columns, published values, known
/// reasons for differences and provenance). The tables: `PaperTables.swift`.
public enum PaperComparison {
    /// A published value, in our units (accuracies as fractions), with the paper's spread if it gives one.
    public struct Reference: Sendable, Equatable {
        public var value: Double
        public var std: Double?
        public init(_ value: Double, std: Double? = nil) { (self.value, self.std) = (value, std) }
    }

    /// One column of a paper table: ours (mean ± std over seeds) beside the paper's.
    public struct Column: Sendable {
        /// Markdown header ("ACC", "A_T (%)") and CSV stem ("acc", "a_t").
        public var name: String, csvName: String
        /// Our value of a summary row; nil when undefined.
        public var ours: @Sendable (SummaryRow) -> Statistic?
        /// Displayed value = stored value × scale (100 for percentages), with `decimals` digits.
        public var scale: Double = 1, decimals: Int = 3
        /// Whether a difference beyond the seed spread gets a note (not for seconds).
        public var compared = true
        /// Whether our cell shows "± std" (the GEM table's seconds are means alone).
        public var showsSpread = true
        /// Whether the column has a paper column beside it.
        public var hasPaperColumn = true
    }

    /// Everything one paper's comparison needs; `render` does the rest.
    public struct PaperTable: Sendable {
        /// The file name written beside `--paper-table`'s path ("gem-paper-mnist").
        public var fileStem: String
        /// The experiments (of the paper's suite) whose runs the table reads.
        public var experiments: Set<String>
        /// Our benchmark name → the paper's, in table order; our strategy label → the paper's method name.
        public var benchmarks: [(id: String, name: String)]
        public var methods: [(label: String, name: String)]
        public var columns: [Column]
        /// benchmark → strategy label → column csvName → the published value.
        public var references: [String: [String: [String: Reference]]]
        /// Why a figure may differ, by "benchmark/label"; "*" = any.
        public var knownReasons: [String: String]
        /// The page's title, settings and conventions (Markdown, ending with a blank line).
        public var preamble: String
        /// Provenance lines after machine and code ("- ...\n").
        public var provenance: String
        /// Sections after the provenance list (Markdown), e.g. where each setting comes from.
        public var afterword: String = ""
        /// A run as the table shows it (e.g. BWT/FWT in a paper's published convention).
        public var prepare: @Sendable (RunSummary) -> RunSummary = { $0 }
    }

    /// The tables `--paper-table` writes, when the runs include their experiments.
    public static let tables = [PaperTables.gemMNIST, PaperTables.agemMNIST]

    /// The GEM paper's experiments (its figures mark the published values on these runs' bars).
    static var experiments: Set<String> { PaperTables.gemMNIST.experiments }

    /// The paper's value of `metric` for a run's bars, in the formula's convention, from
    /// whichever table reads the run's experiment; nil when none gives one.
    static func figureValue(experiment: String, benchmark: String, strategy: String, metric: String) -> Double? {
        guard let table = tables.first(where: { $0.experiments.contains(experiment) }),
            let reference = table.references[benchmark]?[strategy]?[metric]
        else { return nil }
        return table.fileStem == PaperTables.gemMNIST.fileStem && (metric == "bwt" || metric == "fwt")
            ? formula(reference.value) : reference.value
    }

    /// The GEM paper's task count. Its BWT and FWT were computed by its reference code, which
    /// averages over all T tasks (a zero term for the last task in BWT, the first in FWT): the
    /// formula's ÷(T−1) value times (T−1)/T. Its table compares in that published convention;
    /// everything else in GEMBench uses the formula's.
    static let paperTasks = 20

    /// A formula-convention BWT or FWT of a T-task run in the published convention.
    static func published(_ formula: Double?, tasks: Int) -> Double? {
        formula.map { $0 * Double(tasks - 1) / Double(tasks) }
    }

    /// A published BWT or FWT in the formula's convention (for figures beside our other values).
    static func formula(_ published: Double?, tasks: Int = paperTasks) -> Double? {
        published.map { $0 * Double(tasks) / Double(tasks - 1) }
    }

    /// The GEM paper's comparison as (Markdown, CSV).
    public static func render(_ runs: [RunSummary], command: String) -> (markdown: String, csv: String) {
        render(PaperTables.gemMNIST, runs, command: command)
    }

    /// A table's comparison as (Markdown, CSV); deterministic, so it regenerates byte for byte.
    public static func render(_ table: PaperTable, _ runs: [RunSummary], command: String) -> (
        markdown: String, csv: String
    ) {
        let paperRuns = runs.filter { table.experiments.contains($0.experiment) }.map(table.prepare)
        let rows = Summary.rows(paperRuns)
        let paperStd = table.columns.contains { column in
            table.references.values.contains { $0.values.contains { $0[column.csvName]?.std != nil } }
        }
        var md = table.preamble
        var header = ["Benchmark", "Method", "n"]
        var csvHeader = ["benchmark", "method", "n"]
        for column in table.columns {
            header.append(column.name)
            csvHeader +=
                column.showsSpread ? [column.csvName + "_mean", column.csvName + "_std"] : [column.csvName + "_mean"]
            if column.hasPaperColumn {
                header.append("paper")
                csvHeader.append(column.csvName + "_paper")
                if paperStd { csvHeader.append(column.csvName + "_paper_std") }
            }
        }
        md += Tables.markdownLine(header) + "\n"
        md += Tables.markdownLine(["---", "---"] + Array(repeating: "--:", count: header.count - 2)) + "\n"
        var csv = csvHeader.joined(separator: ",") + "\n"
        var notes: [String] = []
        for (benchmark, benchmarkName) in table.benchmarks {
            for (label, methodName) in table.methods {
                guard let row = rows.first(where: { $0.benchmark == benchmark && $0.strategy == label }) else {
                    continue
                }
                let paper = table.references[benchmark]?[label] ?? [:]
                var cells = [benchmarkName, methodName, String(row.n)]
                var fields = [benchmark, label, String(row.n)]
                var differing: [String] = []
                for column in table.columns {
                    let ours = column.ours(row)
                    let theirs = paper[column.csvName]
                    let scaled = ours.map {
                        Statistic(mean: $0.mean * column.scale, std: $0.std.map { $0 * column.scale }, n: $0.n)
                    }
                    cells.append(
                        column.showsSpread
                            ? Tables.cell(scaled, of: row.n, decimals: column.decimals)
                            : scaled.map { NumberFormat.fixed($0.mean, column.decimals) } ?? "n/a")
                    fields.append(csvNumber(ours?.mean))
                    if column.showsSpread { fields.append(csvNumber(ours?.std)) }
                    if column.hasPaperColumn {
                        cells.append(
                            theirs.map { reference in
                                NumberFormat.fixed(reference.value * column.scale, column.decimals)
                                    + (reference.std.map {
                                        " ± " + NumberFormat.fixed($0 * column.scale, column.decimals)
                                    } ?? "")
                            } ?? "—")
                        fields.append(csvNumber(theirs?.value))
                        if paperStd { fields.append(csvNumber(theirs?.std)) }
                    }
                    if column.compared, let ours, let theirs,
                        abs(ours.mean - theirs.value) > max(2 * (ours.std ?? 0), 0.01)
                    {
                        differing.append(
                            "\(column.name) \(NumberFormat.fixed(ours.mean * column.scale, column.decimals)) vs "
                                + NumberFormat.fixed(theirs.value * column.scale, column.decimals))
                    }
                }
                md += Tables.markdownLine(cells) + "\n"
                csv += fields.joined(separator: ",") + "\n"
                if !differing.isEmpty {
                    let reason =
                        table.knownReasons["\(benchmark)/\(label)"] ?? table.knownReasons["\(benchmark)/*"]
                        ?? table.knownReasons["*/\(label)"] ?? "none known"
                    notes.append(
                        "- \(benchmarkName), \(methodName) (ours vs paper): \(differing.joined(separator: "; ")). "
                            + "Likeliest reason: \(reason).")
                }
            }
        }
        if rows.isEmpty {
            md += "\nNo runs of this table's experiments yet (\(table.experiments.sorted().joined(separator: ", "))).\n"
        }
        md += "\n## Where we differ from the paper by more than the seed spread\n\n"
        md +=
            rows.isEmpty
            ? "Not run yet.\n"
            : notes.isEmpty
                ? "Nowhere: every figure is within twice our seed std (or 0.01) of the paper's.\n"
                : "A figure is listed when it is further from the paper's than twice our seed std (and 0.01).\n\n"
                    + notes.joined(separator: "\n") + "\n"
        let machines = Set(paperRuns.map(\.machine)).sorted()
        let commits = Set(paperRuns.map(\.gitCommit)).sorted()
        md += "\n## Provenance\n\n"
        md += "- Machine: \(machines.isEmpty ? "none yet" : machines.joined(separator: "; "))\n"
        md += "- Code: GEMBench commit \(commits.isEmpty ? "none yet" : commits.joined(separator: ", "))\n"
        md += table.provenance
        md += "- Regenerate this page and its CSV with `\(command)`\n"
        md += table.afterword
        return (md, csv)
    }

    static func csvNumber(_ value: Double?) -> String { value.map { NumberFormat.fixed($0, 6) } ?? "" }
}
