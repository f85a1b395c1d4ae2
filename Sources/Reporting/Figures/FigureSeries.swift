import Storage

/// Accuracy on every task measured during training (runs with `eval_every`, stored as
/// `/metrics/curve` and `/metrics/curve_step`): row k is the accuracy on each of the T tasks
/// after training iteration `steps[k]`.
public struct TaskCurve: Sendable, Equatable {
    /// The training iteration of each row, ascending.
    public var steps: [Int]
    /// accuracy[k][j] = accuracy on task j after iteration steps[k].
    public var accuracy: [[Double]]

    public init(steps: [Int], accuracy: [[Double]]) {
        self.steps = steps
        self.accuracy = accuracy
    }
}

/// The metrics drawn as bars, in panel order.
enum FigureMetric: String, CaseIterable {
    case acc, bwt, fwt, forgetting

    var name: String { self == .forgetting ? "Forgetting" : rawValue.uppercased() }

    var axisTitle: String {
        switch self {
        case .acc: return "ACC (accuracy, fraction)"
        case .bwt: return "BWT (accuracy change, fraction)"
        case .fwt: return "FWT (accuracy gain, fraction)"
        case .forgetting: return "Forgetting (accuracy drop, fraction)"
        }
    }
}

/// The runs (seeds) of one benchmark × strategy (× experiment), as every figure sees them.
struct FigureSeries {
    /// The strategy, with the experiment in parentheses when one benchmark × strategy
    /// comes from several experiments.
    let label: String
    let benchmark: String
    let strategy: String
    let experiment: String
    /// The series' colour and hatch index, the same in every figure of its benchmark.
    let style: Int
    /// Sorted by seed.
    let runs: [RunSummary]

    /// Each run's within-task curve; nil for runs without `eval_every`.
    var curves: [TaskCurve?] {
        runs.map { $0.curve.isEmpty ? nil : TaskCurve(steps: $0.curveStep, accuracy: $0.curve) }
    }

    /// Each seed's value of `metric`; nil where undefined: the values of the tables (forgetting
    /// as stored, or computed from R for files that predate it: `withRecomputedLaterMetrics`).
    func values(_ metric: FigureMetric) -> [(seed: Int, value: Double)] {
        runs.compactMap { run in
            let value: Double?
            switch metric {
            case .acc: value = run.metrics.acc
            case .bwt: value = run.metrics.bwt
            case .fwt: value = run.metrics.fwt
            case .forgetting: value = run.metrics.forgetting
            }
            return value.map { (run.seed, $0) }
        }
    }

    /// The runs whose R has the shape of the first seed's (all of them, normally).
    var matrixRuns: [RunSummary] {
        let rows = runs[0].accuracyMatrix.count
        let columns = runs[0].randomInitAccuracy.count
        return runs.filter { $0.accuracyMatrix.count == rows && $0.randomInitAccuracy.count == columns }
    }

    /// R averaged element by element over `matrixRuns`.
    var meanMatrix: [[Double]] {
        let members = matrixRuns
        return members[0].accuracyMatrix.indices.map { i in
            members[0].accuracyMatrix[i].indices.map { j in
                members.map { $0.accuracyMatrix[i][j] }.reduce(0, +) / Double(members.count)
            }
        }
    }

    /// b averaged over `matrixRuns`.
    var meanRandomInit: [Double] {
        let members = matrixRuns
        return members[0].randomInitAccuracy.indices.map { j in
            members.map { $0.randomInitAccuracy[j] }.reduce(0, +) / Double(members.count)
        }
    }

    /// Whether R is one row per task (a task sequence, not joint training).
    var isSequential: Bool { runs[0].accuracyMatrix.count == runs[0].randomInitAccuracy.count }

    /// The curves to draw and the seeds they come from: the mean over the seeds whose
    /// curves share the first curve's steps and width; nil when no run has one.
    var meanCurve: (curve: TaskCurve, seeds: [Int])? {
        let present = zip(runs, curves).compactMap { run, curve in curve.map { (run.seed, $0) } }
        guard let first = present.first?.1, !first.steps.isEmpty else { return nil }
        let width = first.accuracy.first?.count ?? 0
        let members = present.filter { $0.1.steps == first.steps && $0.1.accuracy.allSatisfy { $0.count == width } }
        let accuracy = first.steps.indices.map { k in
            (0..<width).map { j in members.map { $0.1.accuracy[k][j] }.reduce(0, +) / Double(members.count) }
        }
        return (TaskCurve(steps: first.steps, accuracy: accuracy), members.map(\.0))
    }

    /// Groups runs into series per benchmark, in the tables' order (benchmark, strategy,
    /// experiment). Styles are numbered within each benchmark, so a benchmark's figures do
    /// not change when runs of other benchmarks join the folder.
    static func group(_ runs: [RunSummary]) -> [String: [FigureSeries]] {
        let rows = Summary.rows(runs)
        let pairs = Dictionary(grouping: rows) { "\($0.benchmark)\u{0}\($0.strategy)" }
        var result: [String: [FigureSeries]] = [:]
        for row in rows {
            let label =
                pairs["\(row.benchmark)\u{0}\(row.strategy)"]!.count > 1
                ? "\(row.strategy) (\(row.experiment))" : row.strategy
            let members = runs.filter {
                $0.benchmark == row.benchmark && $0.strategy == row.strategy
                    && $0.experiment == row.experiment
            }.sorted { ($0.seed, $0.fileName) < ($1.seed, $1.fileName) }
            result[row.benchmark, default: []].append(
                FigureSeries(
                    label: label, benchmark: row.benchmark, strategy: row.strategy, experiment: row.experiment,
                    style: result[row.benchmark]?.count ?? 0, runs: members))
        }
        return result
    }
}
