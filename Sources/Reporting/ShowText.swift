import Metrics
import Storage

/// `bench show`: one run's identity, metrics and accuracy matrix as aligned text.
public enum ShowText {
    /// `content` `.summary`: a run summary, which has no steps, model or memory to describe.
    public static func render(_ record: RunRecord, fileName: String, content: RunFile.Content = .run) -> String {
        let summary = RunSummary(record, fileName: fileName).withRecomputedLaterMetrics()
        var lines: [String] = []
        func field(_ name: String, _ value: String) {
            lines.append(name.padding(toLength: 11, withPad: " ", startingAt: 0) + value)
        }
        field("run", fileName)
        field("experiment", record.experiment)
        field(
            "benchmark",
            "\(record.benchmark) (\(record.tasks.scenario.isEmpty ? "no scenario" : record.tasks.scenario), "
                + "\(summary.taskCount) tasks)")
        field("strategy", record.strategy)
        field("seed", String(record.seed))
        field("version", "\(record.gembenchVersion) (git \(record.gitCommit))")
        field("created", record.created)
        field("kernels", record.kernelsDescription)
        field(
            "time",
            "train \(NumberFormat.fixed(summary.trainSeconds, 3)) s, eval \(NumberFormat.fixed(summary.evalSeconds, 3)) s, "
                + "total \(NumberFormat.fixed(record.totalSeconds, 3)) s")
        field(
            "peak RSS",
            record.peakRSSBytes.map {
                NumberFormat.fixed(Double($0) / 1_048_576, 1) + " MiB"
                    + (record.peakRSSScope == "run"
                        ? " (this run)"
                        : " (the process's, shared with runs side by side)")
            } ?? "not stored")
        if content == .summary {
            field(
                "content",
                "run summary (bench summarize): \(record.stepTask.count) steps; per-step losses, "
                    + "diagnostics, model and memory not kept")
        } else {
            field(
                "steps",
                "\(record.stepLoss.count)"
                    + (record.diagnostics.isEmpty
                        ? ""
                        : " (diagnostics: "
                            + record.diagnostics.keys.sorted().joined(separator: ", ") + ")"))
            field("parameters", "\(record.parameters.count) in \(record.layerLayout.count) tensors")
            field("memory", record.memory.map { "\($0.count) patterns of \($0.featureCount) features" } ?? "none")
        }
        lines.append("")
        let metricText = { (v: Double?) in v.map { NumberFormat.fixed($0, 3).leftPadded(6) } ?? "   n/a" }
        lines.append("ACC " + metricText(summary.metrics.acc))
        lines.append("BWT " + metricText(summary.metrics.bwt))
        lines.append("FWT " + metricText(summary.metrics.fwt))
        lines.append("FGT " + metricText(summary.metrics.forgetting) + "  (average forgetting)")
        lines.append(
            "BWT÷T " + metricText(summary.metrics.bwtOverAllTasks) + ", FWT÷T "
                + metricText(summary.metrics.fwtOverAllTasks)
                + "  (means over all T tasks, as the GEM code prints them)")
        if let lca = summary.metrics.lca {
            lines.append("LCA " + metricText(lca) + "  (LCA_10, from the early accuracies)")
        }
        if !record.curve.isEmpty {
            lines.append(
                "curve      \(record.curve.count) evaluations of every task, iterations "
                    + "\(record.curveStep.first!)…\(record.curveStep.last!)")
        }
        let check = ContinualMetrics(accuracy: record.accuracyMatrix, randomInit: record.randomInitAccuracy)
        if !check.matches(summary.metrics) {
            lines.append(
                "warning: stored metrics differ from those recomputed from R and b: ACC "
                    + metricText(check.acc) + ", BWT " + metricText(check.bwt) + ", FWT " + metricText(check.fwt))
        }
        lines.append("")
        lines.append("Accuracy matrix R (row: after training task i; column: accuracy on task j)")
        lines += matrixLines(record.accuracyMatrix, randomInit: record.randomInitAccuracy)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The matrix with 3 decimals, columns right-aligned, and b as a last row.
    public static func matrixLines(_ r: [[Double]], randomInit b: [Double]) -> [String] {
        let labels = r.indices.map { "after \($0)" } + ["random"]
        let rows = r + [b]
        let columns = b.count
        let cells = rows.map { $0.map { NumberFormat.fixed($0, 3) } }
        let width = max(cells.flatMap { $0 }.map(\.count).max() ?? 0, "task \(max(0, columns - 1))".count)
        let labelWidth = labels.map(\.count).max() ?? 0
        var lines = [
            String(repeating: " ", count: labelWidth)
                + (0..<columns).map { " " + "task \($0)".leftPadded(width) }.joined()
        ]
        for (label, row) in zip(labels, cells) {
            lines.append(
                label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                    + row.map { " " + $0.leftPadded(width) }.joined())
        }
        return lines
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
