import Storage

/// One figure of a report: an SVG document and the file name it is written under.
public struct Figure: Sendable, Equatable {
    /// e.g. "split-mnist-task-il-metrics.svg".
    public var fileName: String
    /// The benchmark it shows.
    public var benchmark: String
    /// "metrics", "average-accuracy", "first-task", "task-accuracy", "matrix" or "curves".
    public var kind: String
    public var title: String
    public var svg: String
}

/// The figures of `bench report`, per benchmark (in name order):
/// - `<benchmark>-metrics.svg`: ACC / BWT / FWT / forgetting bars by strategy;
/// - `<benchmark>-average-accuracy.svg`: average accuracy on the tasks seen so far after each
///   task, one line per strategy with a ± std band over seeds, one panel per experiment;
/// - `<benchmark>-first-task.svg`: accuracy on the first task after each task, drawn alike;
/// - `<benchmark>-task-accuracy.svg`: accuracy on each task after each task;
/// - `<benchmark>-matrix-<strategy>.svg`: each strategy's accuracy matrix as a heatmap;
/// - `<benchmark>-curves.svg`: accuracy on every task against the training step, when
///   some run has a within-task curve (`eval_every`).
/// Every figure is a pure function of the runs, so it regenerates byte for byte.
public enum Figures {
    /// - Parameter paperMarkers: mark the GEM paper's published ACC/BWT/FWT on the bars of the
    ///   `paper` suite's runs (`PaperComparison`).
    public static func render(_ runs: [RunSummary], paperMarkers: Bool = false) -> [Figure] {
        let groups = FigureSeries.group(runs)
        var figures: [Figure] = []
        for benchmark in groups.keys.sorted() {
            let series = groups[benchmark]!
            let paper: MetricBarsFigure.PaperValue = { s, metric in
                guard paperMarkers else { return nil }
                let name: String
                switch metric {
                case .acc: name = "acc"
                case .bwt: name = "bwt"
                case .fwt: name = "fwt"
                case .forgetting: name = "forgetting"
                }
                // in the bars' convention (the GEM paper's BWT/FWT are converted from its ÷T)
                return PaperComparison.figureValue(
                    experiment: s.experiment, benchmark: s.benchmark,
                    strategy: s.strategy, metric: name)
            }
            let base = fileSafe(benchmark)
            func add(_ kind: String, _ name: String, _ title: String, _ svg: String?) {
                if let svg {
                    figures.append(Figure(fileName: name, benchmark: benchmark, kind: kind, title: title, svg: svg))
                }
            }
            add(
                "metrics", "\(base)-metrics.svg", "\(benchmark): ACC, BWT, FWT and forgetting by strategy",
                MetricBarsFigure.render(benchmark: benchmark, series: series, paper: paper))
            for quantity in [StrategyLinesFigure.averageAccuracy, StrategyLinesFigure.firstTask] {
                add(
                    quantity.kind, "\(base)-\(quantity.kind).svg", "\(benchmark): \(quantity.title)",
                    StrategyLinesFigure.render(quantity, benchmark: benchmark, series: series))
            }
            add(
                "task-accuracy", "\(base)-task-accuracy.svg",
                "\(benchmark): accuracy on each task after training each task",
                TaskAccuracyFigure.render(benchmark: benchmark, series: series))
            for s in series {
                add(
                    "matrix", "\(base)-matrix-\(fileSafe(s.label)).svg", "\(benchmark), \(s.label): accuracy matrix",
                    AccuracyMatrixFigure.render(benchmark: benchmark, series: s))
            }
            add(
                "curves", "\(base)-curves.svg", "\(benchmark): accuracy on every task during training",
                LearningCurveFigure.render(benchmark: benchmark, series: series))
        }
        return figures
    }

    /// Letters, digits, "-", "_" and "." kept; anything else becomes "-" ("gem (x)" → "gem-x").
    static func fileSafe(_ name: String) -> String {
        var out = ""
        for character in name {
            let keep = character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character))
            if keep { out.append(character) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }
}
