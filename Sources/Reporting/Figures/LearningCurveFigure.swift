/// Accuracy on every task against the training step, where runs have within-task curves
/// (`TaskCurve`): one panel per strategy, one line per task, mean over the seeds whose
/// curves share their steps, a dashed line where each task's training begins. Lines carry
/// `data-task`, `data-steps` and `data-values`; task boundaries (`class="task-boundary"`) `data-x`.
enum LearningCurveFigure {
    /// nil when no series has a curve.
    static func render(benchmark: String, series: [FigureSeries]) -> String? {
        let curves = series.compactMap { s in s.meanCurve.map { (s, $0.curve, $0.seeds) } }
        guard !curves.isEmpty else { return nil }
        let panels = curves.map { s, curve, seeds -> LinesPanel in
            let tasks = curve.accuracy.first?.count ?? 0
            let steps = curve.steps.map(Double.init)
            let lines = (0..<tasks).map { j in
                LinesPanel.Line(task: j, x: steps, accuracy: curve.accuracy.map { $0[j] })
            }
            let last = curve.steps.last ?? 1
            var panel = LinesPanel(
                label: s.label, seeds: seeds, lines: lines, xLow: Double(min(0, curve.steps[0])),
                xHigh: Double(max(1, last)), xTicks: LinesPanel.ticks(upTo: last),
                xTitle: "training step (iteration)", xAttribute: "data-steps",
                markers: curve.steps.count <= 30)
            panel.xMarks = s.runs.first { $0.seed == seeds[0] }!.taskBoundaries.map(Double.init)
            return panel
        }
        return LinesFigure.render(
            title: "\(benchmark): accuracy on every task during training",
            subtitle: "Test accuracy on each task against the training iteration, mean over seeds; "
                + "dashed: a new task's training begins.",
            description: "Line charts, one per strategy on \(benchmark): test accuracy on every task measured "
                + "during training, from the within-task curves of the run files.",
            panels: panels, legend: LineLegend.tasks(curves.map { $0.1.accuracy.first?.count ?? 0 }.max()!),
            markers: panels.allSatisfy(\.markers))
    }
}
