// `--dry-run`: the resolved plan as a text table.

import Foundation

extension BenchmarkSpec {
    /// E.g. `permuted/mnist 20x1000 DI`, `split/fashion-mnist 5xall TI test=100`.
    public var summary: String {
        let scenario: String
        switch self.scenario {
        case .taskIncremental: scenario = "TI"
        case .classIncremental: scenario = "CI"
        case .domainIncremental: scenario = "DI"
        }
        var text =
            "\(kind.rawValue)/\(dataset.rawValue) \(tasks)x\(samplesPerTask.map(String.init) ?? "all") \(scenario)"
        if let testSamplesPerTask { text += " test=\(testSamplesPerTask)" }
        if angles != nil { text += " angles=pinned" }
        if classOrder != nil { text += " classes=custom" }
        return text
    }
}

/// The plan as an aligned text table, one run per line, with a header and a closing count:
/// experiment, strategy, seed, benchmark, method and key parameters, lr, batch size, epochs,
/// estimated cost (`RunSpec.estimatedCost`), output file and the resume decision (`run`, `skip`,
/// `MISMATCH`). The closing line adds the cost of the runs that would train.
///
/// - Parameters:
///   - outputDirectory: prefixed to the run file names (empty: names only).
///   - decide: the resume decision of each run (default: every run would run).
public func renderPlan(
    _ plan: [RunSpec], outputDirectory: String = "",
    decide: (RunSpec) -> ResumeDecision = { _ in .run }
) -> String {
    let header = [
        "EXPERIMENT", "STRATEGY", "SEED", "BENCHMARK", "METHOD", "LR", "BATCH", "EPOCHS", "COST", "OUTPUT", "STATUS",
    ]
    var rows: [[String]] = []
    var counts: [String: Int] = [:]
    var costToTrain = 0.0
    var secondsToTrain = 0.0
    let base = outputDirectory.isEmpty ? "" : (outputDirectory.hasSuffix("/") ? outputDirectory : outputDirectory + "/")
    for spec in plan {
        let decision = decide(spec)
        counts[decision.label, default: 0] += 1
        let cost = spec.estimatedCost
        if decision == .run {
            costToTrain += cost.totalFLOPs
            secondsToTrain += cost.seconds
        }
        rows.append([
            spec.experiment, spec.strategy, String(spec.seed), spec.benchmark.summary, spec.method.summary,
            formatDouble(spec.optimizer.lr), String(spec.optimizer.batchSize), String(spec.optimizer.epochs),
            cost.description,
            base + spec.outputFileName, decision.label,
        ])
    }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    var lines = [line(header)] + rows.map(line)
    let summary = ["run", "skip", "MISMATCH"].compactMap { key in counts[key].map { "\($0) \(key)" } }
    let decisions = summary.isEmpty ? "" : " (" + summary.joined(separator: ", ") + ")"
    let cost = "; to train: \(formatFLOPs(costToTrain)) ~\(formatDuration(secondsToTrain)) of one core"
    lines.append("\(plan.count) runs" + decisions + cost)
    return lines.joined(separator: "\n") + "\n"
}
