/// Accuracy on each task after each task (the columns of R, mean over seeds): one panel
/// per strategy, one line per task j from the stage that trains it (i = j) to the end.
/// Joint training has no task sequence and no panel.
///
/// Lines carry `data-task`, `data-after` (the stages i) and `data-values` (R[i][j]).
enum TaskAccuracyFigure {
    /// nil when no series is a task sequence.
    static func render(benchmark: String, series: [FigureSeries]) -> String? {
        let shown = series.filter(\.isSequential)
        guard !shown.isEmpty else { return nil }
        let tasks = shown.map { $0.runs[0].randomInitAccuracy.count }.max()!
        let panels = panels(shown)
        return LinesFigure.render(
            title: "\(benchmark): accuracy on each task after training each task",
            subtitle: "R[i][j], mean over seeds; one line per task j from the stage that trains it."
                + (shown.count < series.count
                    ? " Joint training (one evaluation, no task sequence) is not shown." : ""),
            description: "Line charts, one per strategy on \(benchmark): test accuracy on every task after each "
                + "training stage, from the accuracy matrices of a GEMBench report.",
            panels: panels, legend: LineLegend.tasks(tasks), markers: true)
    }

    static func panels(_ series: [FigureSeries]) -> [LinesPanel] {
        series.map { s in
            let r = s.meanMatrix
            let t = r.count
            let lines = (0..<t).map { j in
                LinesPanel.Line(task: j, x: (j..<t).map(Double.init), accuracy: (j..<t).map { r[$0][j] })
            }
            return LinesPanel(
                label: s.label, seeds: s.matrixRuns.map(\.seed), lines: lines, xLow: 0,
                xHigh: Double(max(1, t - 1)), xTicks: LinesPanel.ticks(upTo: t - 1),
                xTitle: "after training task i", xAttribute: "data-after", markers: true)
        }
    }
}
