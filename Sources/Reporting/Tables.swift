import Foundation
import Storage

/// CSV and Markdown tables of runs. Every output is a pure function of its input:
/// rows sorted, numbers in fixed formats (CSV: metrics 6 decimals, seconds 3; Markdown:
/// metrics 3 decimals, seconds 1), no timestamps. Undefined BWT/FWT are empty in CSV and
/// "n/a" in Markdown.
public enum Tables {
    // MARK: CSV

    public static let runsCSVHeader = [
        "file", "experiment", "benchmark", "scenario", "strategy", "seed", "tasks",
        "acc", "bwt", "fwt", "train_seconds", "eval_seconds", "total_seconds",
        "gembench_version", "git_commit", "created",
        "forgetting", "bwt_over_all_tasks", "fwt_over_all_tasks",
        "lca", "peak_rss_bytes", "peak_rss_scope",
    ]

    /// One tidy row per run, sorted by (benchmark, strategy, experiment, seed, file).
    public static func runsCSV(_ runs: [RunSummary]) -> String {
        let sorted = runs.sorted {
            ($0.benchmark, $0.strategy, $0.experiment, $0.seed, $0.fileName)
                < ($1.benchmark, $1.strategy, $1.experiment, $1.seed, $1.fileName)
        }
        var lines = [csvLine(runsCSVHeader)]
        for run in sorted {
            lines.append(
                csvLine([
                    run.fileName, run.experiment, run.benchmark, run.scenario, run.strategy,
                    String(run.seed), String(run.taskCount), metric(run.metrics.acc), optional(run.metrics.bwt),
                    optional(run.metrics.fwt), seconds(run.trainSeconds), seconds(run.evalSeconds),
                    seconds(run.totalSeconds), run.gembenchVersion, run.gitCommit, run.created,
                    optional(run.metrics.forgetting), optional(run.metrics.bwtOverAllTasks),
                    optional(run.metrics.fwtOverAllTasks),
                    optional(run.metrics.lca), run.peakRSSBytes.map(String.init) ?? "", run.peakRSSScope ?? "",
                ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static let summaryCSVHeader = [
        "benchmark", "strategy", "experiment", "scenario", "n", "seeds",
        "acc_mean", "acc_std", "bwt_mean", "bwt_std", "bwt_n",
        "fwt_mean", "fwt_std", "fwt_n", "train_seconds_mean", "train_seconds_std",
        "forgetting_mean", "forgetting_std", "forgetting_n",
        "eval_seconds_mean", "eval_seconds_std", "lca_mean", "lca_std", "lca_n",
        "peak_rss_mib_mean", "peak_rss_mib_std", "peak_rss_n", "peak_rss_scope",
    ]

    /// Mean and sample std over seeds per benchmark × strategy (× experiment). std is
    /// empty when n = 1; BWT/FWT columns are empty when undefined; `seeds` is "0 1 2".
    public static func summaryCSV(_ rows: [SummaryRow]) -> String {
        var lines = [csvLine(summaryCSVHeader)]
        for row in rows {
            var fields = [
                row.benchmark, row.strategy, row.experiment, row.scenario, String(row.n),
                row.seeds.map(String.init).joined(separator: " "),
                metric(row.acc.mean), row.acc.std.map(metric) ?? "",
            ]
            for stat in [row.bwt, row.fwt] {
                fields += [
                    stat.map { metric($0.mean) } ?? "", stat?.std.map(metric) ?? "", stat.map { String($0.n) } ?? "0",
                ]
            }
            fields += [seconds(row.trainSeconds.mean), row.trainSeconds.std.map(seconds) ?? ""]
            for stat in [row.forgetting] {
                fields += [
                    stat.map { metric($0.mean) } ?? "", stat?.std.map(metric) ?? "", stat.map { String($0.n) } ?? "0",
                ]
            }
            fields += [row.evalSeconds.map { seconds($0.mean) } ?? "", row.evalSeconds?.std.map(seconds) ?? ""]
            fields += [
                row.lca.map { metric($0.mean) } ?? "", row.lca?.std.map(metric) ?? "",
                row.lca.map { String($0.n) } ?? "0",
            ]
            fields += [
                row.peakRSSMiB.map { seconds($0.mean) } ?? "", row.peakRSSMiB?.std.map(seconds) ?? "",
                row.peakRSSMiB.map { String($0.n) } ?? "0",
                row.peakRSSMiB == nil ? "" : (row.peakRSSShared ? "process" : "run"),
            ]
            lines.append(csvLine(fields))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }

    static func metric(_ value: Double) -> String { NumberFormat.fixed(value, 6) }
    static func optional(_ value: Double?) -> String { value.map(metric) ?? "" }
    static func seconds(_ value: Double) -> String { NumberFormat.fixed(value, 3) }

    // MARK: Markdown

    /// The results table: Benchmark | Strategy | n | ACC | BWT | FWT | Train (s) | Eval (s) |
    /// Peak RSS (MiB), each "mean ± std" over seeds ("mean" alone for n = 1; "n/a" when undefined
    /// or not stored). An Experiment column is added only when one benchmark × strategy comes from
    /// several experiments, an LCA column only when some run recorded LCA.
    public static func markdownTable(_ rows: [SummaryRow]) -> String {
        let pairs = Dictionary(grouping: rows) { "\($0.benchmark)\u{0}\($0.strategy)" }
        let showExperiment = pairs.values.contains { $0.count > 1 }
        let showLCA = rows.contains { $0.lca != nil }
        var header = ["Benchmark", "Strategy"]
        if showExperiment { header.append("Experiment") }
        header += ["n", "ACC", "BWT", "FWT"] + (showLCA ? ["LCA"] : []) + ["Train (s)", "Eval (s)", "Peak RSS (MiB)"]
        let align =
            ["---", "---"] + (showExperiment ? ["---"] : [])
            + Array(repeating: "--:", count: header.count - 2 - (showExperiment ? 1 : 0))
        var lines = [markdownLine(header), markdownLine(align)]
        for row in rows {
            var cells = [row.benchmark, row.strategy]
            if showExperiment { cells.append(row.experiment) }
            cells += [String(row.n), cell(row.acc, of: row.n), cell(row.bwt, of: row.n), cell(row.fwt, of: row.n)]
            if showLCA { cells.append(cell(row.lca, of: row.n)) }
            cells += timingCells(row)
            lines.append(markdownLine(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Train (s), Eval (s) and Peak RSS (MiB) of a row; the peak is marked "*" when some of its
    /// runs shared their process with others (`--jobs` > 1), so that it bounds theirs from above.
    static func timingCells(_ row: SummaryRow) -> [String] {
        [
            cell(row.trainSeconds, of: row.n, decimals: 1), cell(row.evalSeconds, of: row.n, decimals: 1),
            cell(row.peakRSSMiB, of: row.n, decimals: 0) + (row.peakRSSShared ? " *" : ""),
        ]
    }

    /// The results table for runs in memory (e.g. at the end of `bench --suite`).
    public static func markdownTable(records: [RunRecord]) -> String {
        markdownTable(Summary.rows(records.map { RunSummary($0) }))
    }

    /// The table for run summaries (e.g. read from a folder).
    public static func markdownTable(runs: [RunSummary]) -> String {
        markdownTable(Summary.rows(runs))
    }

    /// "0.912 ± 0.004", "0.912" (n = 1), "n/a" (undefined); "(n=k)" appended when a
    /// metric is defined in only k of the row's n runs.
    static func cell(_ stat: Statistic?, of n: Int, decimals: Int = 3) -> String {
        guard let stat else { return "n/a" }
        var text = NumberFormat.fixed(stat.mean, decimals)
        if let std = stat.std { text += " ± " + NumberFormat.fixed(std, decimals) }
        if stat.n != n { text += " (n=\(stat.n))" }
        return text
    }

    static func markdownLine(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }

    /// summary.md: the table, what the numbers are, the command that regenerates it,
    /// and the skipped files with their reasons.
    public static func summaryMarkdown(_ rows: [SummaryRow], skipped: [SkippedRun], command: String?) -> String {
        var text = "# GEMBench results\n\n"
        text +=
            "Mean ± sample standard deviation (n − 1) over seeds; n = number of runs. Accuracies are fractions "
            + "in [0, 1]. ACC = mean accuracy over all tasks after the last task; BWT = mean change on earlier tasks "
            + "since they were learnt; FWT = mean accuracy on a task before training it, minus that of the random "
            + "initialisation. n/a = undefined (one task, or joint training). LCA = LCA_10 (Chaudhry et al. 2019), "
            + "shown when runs recorded it. Train (s) = wall time spent training (with `lca: true` it includes the "
            + "early evaluations); Eval (s) = wall time evaluating R after every task; Peak RSS = the run's peak "
            + "resident memory, n/a in files written before it was stored, * where runs trained side by side "
            + "(`--jobs` > 1) and the value is their shared process's peak, an upper bound.\n\n"
        text += rows.isEmpty ? "No complete runs.\n" : markdownTable(rows)
        if let command { text += "\nRegenerate with `\(command)`.\n" }
        if !skipped.isEmpty {
            text += "\nSkipped files (not in the table):\n\n"
            for run in skipped { text += "- `\(run.fileName)`: \(run.reason)\n" }
        }
        return text
    }
}
