/// Strategies on one axis, one panel per experiment of a benchmark: a quantity of R after each
/// training stage i, one line per strategy (mean over seeds) in a ± sample-std band. Two
/// figures are drawn this way:
/// - `average-accuracy`: the average accuracy on the tasks seen so far, A_i = mean_{j ≤ i} R[i][j]
///   (A_{T−1} is ACC);
/// - `first-task`: the accuracy on the first task, R[i][0], as more tasks are learnt (the GEM
///   paper's Figure 1, right).
/// Joint training has no task sequence and no line.
///
/// Panels carry `data-experiment` and `data-seeds`; lines (`class="strategy-line"`)
/// `data-strategy`, `data-after` (the stages i), `data-values` (the means) and `data-std`
/// (absent for one seed); bands (`class="band"`) `data-strategy`.
enum StrategyLinesFigure {
    struct Quantity: Sendable {
        /// The figure's kind and file name part.
        let kind: String
        let title: String
        let subtitle: String
        /// The quantity after each stage, from one run's R (T × T).
        let values: @Sendable ([[Double]]) -> [Double]
    }

    static let averageAccuracy = Quantity(
        kind: "average-accuracy", title: "average accuracy on the tasks seen so far",
        subtitle: "Mean over tasks j ≤ i of R[i][j] after training task i (its last value is ACC)",
        values: { r in r.indices.map { i in r[i][0...i].reduce(0, +) / Double(i + 1) } })

    static let firstTask = Quantity(
        kind: "first-task", title: "accuracy on the first task as more tasks are learnt",
        subtitle: "R[i][0], the test accuracy on task 0 after training task i (GEM paper, Figure 1, right)",
        values: { r in r.map { $0[0] } })

    static let panelWidth = 340.0, panelHeight = 210.0

    /// nil when no series is a task sequence.
    static func render(_ quantity: Quantity, benchmark: String, series: [FigureSeries]) -> String? {
        let shown = series.filter(\.isSequential)
        guard !shown.isEmpty else { return nil }
        // one colour per strategy name, the same in every panel
        var strategies: [String] = []
        for s in shown where !strategies.contains(s.strategy) { strategies.append(s.strategy) }
        let experiments = Array(Set(shown.map(\.experiment))).sorted()
        let panels = experiments.map { experiment -> LinesPanel in
            let members = shown.filter { $0.experiment == experiment }
            let lines = members.map { s -> LinesPanel.Line in
                let perSeed = s.matrixRuns.map { quantity.values($0.accuracyMatrix) }
                let stats = perSeed[0].indices.map { i in Statistic(perSeed.map { $0[i] })! }
                return LinesPanel.Line(
                    style: strategies.firstIndex(of: s.strategy)!, key: ("data-strategy", s.strategy),
                    x: stats.indices.map(Double.init), accuracy: stats.map(\.mean),
                    std: perSeed.count > 1 ? stats.map { $0.std! } : nil)
            }
            let seeds = Array(Set(members.flatMap { $0.matrixRuns.map(\.seed) })).sorted()
            let counts = Set(members.map(\.matrixRuns.count)).sorted().map(String.init).joined(separator: ", ")
            let tasks = members.map { $0.runs[0].taskCount }.max()!
            var panel = LinesPanel(
                key: ("data-experiment", experiment), heading: "\(experiment) (n = \(counts))",
                seeds: seeds, lines: lines, xLow: 0, xHigh: Double(max(1, tasks - 1)),
                xTicks: LinesPanel.ticks(upTo: tasks - 1), xTitle: "after training task i",
                xAttribute: "data-after", markers: tasks <= 30)
            (panel.width, panel.height, panel.lineClass, panel.fitsY) = (panelWidth, panelHeight, "strategy-line", true)
            return panel
        }
        let title = "\(benchmark): \(quantity.title)"
        return LinesFigure.render(
            title: title,
            subtitle: quantity.subtitle + "; lines: mean over seeds, bands: ± sample std, n = seeds."
                + (shown.count < series.count ? " Joint training (no task sequence) is not shown." : ""),
            description: "Line charts, one per experiment on \(benchmark), one line per strategy: \(quantity.title), "
                + "from the accuracy matrices of a GEMBench report.",
            panels: panels, legend: strategies.enumerated().map { ($0.offset, $0.element) },
            markers: panels.allSatisfy(\.markers))
    }
}
