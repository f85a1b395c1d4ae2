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
        return TaskLinesFigure.render(
            title: "\(benchmark): accuracy on each task after training each task",
            subtitle: "R[i][j], mean over seeds; one line per task j from the stage that trains it."
                + (shown.count < series.count ? " Joint training (one evaluation, no task sequence) is not shown." : ""),
            description: "Line charts, one per strategy on \(benchmark): test accuracy on every task after each "
                + "training stage, from the accuracy matrices of a GEMBench report.",
            panels: panels, tasks: tasks, markers: true)
    }

    static func panels(_ series: [FigureSeries]) -> [TaskLinesPanel] {
        series.map { s in
            let r = s.meanMatrix
            let t = r.count
            let lines = (0..<t).map { j in
                TaskLinesPanel.Line(task: j, x: (j..<t).map(Double.init), accuracy: (j..<t).map { r[$0][j] })
            }
            return TaskLinesPanel(label: s.label, seeds: s.matrixRuns.map(\.seed), lines: lines, xLow: 0,
                                  xHigh: Double(max(1, t - 1)), xTicks: TaskLinesPanel.ticks(upTo: t - 1),
                                  xTitle: "after training task i", xAttribute: "data-after", markers: true)
        }
    }
}

/// Accuracy on every task against the training step, where runs have within-task curves
/// (`TaskCurve`): one panel per strategy, one line per task, mean over the seeds whose
/// curves share their steps. Lines carry `data-task`, `data-steps` and `data-values`.
enum LearningCurveFigure {
    /// nil when no series has a curve.
    static func render(benchmark: String, series: [FigureSeries]) -> String? {
        let curves = series.compactMap { s in s.meanCurve.map { (s, $0.curve, $0.seeds) } }
        guard !curves.isEmpty else { return nil }
        let panels = curves.map { s, curve, seeds -> TaskLinesPanel in
            let tasks = curve.accuracy.first?.count ?? 0
            let steps = curve.steps.map(Double.init)
            let lines = (0..<tasks).map { j in
                TaskLinesPanel.Line(task: j, x: steps, accuracy: curve.accuracy.map { $0[j] })
            }
            let last = curve.steps.last ?? 1
            return TaskLinesPanel(label: s.label, seeds: seeds, lines: lines, xLow: Double(min(0, curve.steps[0])),
                                  xHigh: Double(max(1, last)), xTicks: TaskLinesPanel.ticks(upTo: last),
                                  xTitle: "training step (iteration)", xAttribute: "data-steps",
                                  markers: curve.steps.count <= 30)
        }
        return TaskLinesFigure.render(
            title: "\(benchmark): accuracy on every task during training",
            subtitle: "Test accuracy on each task against the training iteration, mean over seeds.",
            description: "Line charts, one per strategy on \(benchmark): test accuracy on every task measured "
                + "during training, from the within-task curves of the run files.",
            panels: panels, tasks: curves.map { $0.1.accuracy.first?.count ?? 0 }.max()!,
            markers: panels.allSatisfy(\.markers))
    }
}

/// A grid of task-line panels under a title, with the task key below.
enum TaskLinesFigure {
    static let columns = 4, leftMargin = 64.0, panelGapX = 74.0, panelGapY = 88.0, top = 72.0

    static func render(title: String, subtitle: String, description: String, panels: [TaskLinesPanel], tasks: Int,
                       markers: Bool) -> String {
        let columns = min(Self.columns, panels.count)
        let rows = (panels.count + columns - 1) / columns
        let width = leftMargin + Double(columns) * (TaskLinesPanel.width + panelGapX) - panelGapX + 24
        let gridBottom = top + Double(rows) * (TaskLinesPanel.height + panelGapY) - panelGapY + 44
        let legend = TaskLegend(tasks: tasks, width: width - 32)
        var svg = SVGDocument(width: width, height: gridBottom + 24 + legend.height)
        svg.add("text", ["x": "16", "y": "24", "font-size": "15", "font-weight": "bold"], text: title)
        svg.add("text", ["x": "16", "y": "42", "font-size": "11"], text: subtitle)
        for (k, panel) in panels.enumerated() {
            let left = leftMargin + Double(k % columns) * (TaskLinesPanel.width + panelGapX)
            let panelTop = top + Double(k / columns) * (TaskLinesPanel.height + panelGapY)
            panel.draw(left: left, top: panelTop, in: &svg)
        }
        legend.draw(left: 16, top: gridBottom + 24, markers: markers, in: &svg)
        return svg.render(title: title, description: description)
    }
}
