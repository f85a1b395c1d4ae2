import Foundation
import Metrics
import Reporting
import Storage

func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("gembench-reporting-\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small run with the given stored metrics (the matrix is only a placeholder of T = 3).
func makeRun(
    _ benchmark: String, _ strategy: String, seed: Int, acc: Double, bwt: Double?, fwt: Double?,
    train: [Double], experiment: String? = nil
) -> RunRecord {
    let matrix: [[Double]] = [[0.9, 0.1, 0.2], [0.8, 0.85, 0.15], [0.7, 0.75, 0.95]]
    let tasks = TaskDefinitions(
        scenario: "domain-incremental",
        tasks: [
            TaskDefinition(angle: 0), TaskDefinition(angle: 10),
            TaskDefinition(angle: 20),
        ])
    return RunRecord(
        experiment: experiment ?? benchmark, strategy: strategy, seed: seed, benchmark: benchmark,
        gembenchVersion: "0.1.0", gitCommit: "abc123", created: "2026-11-28T08:40:55Z",
        tasks: tasks, accuracyMatrix: matrix, randomInitAccuracy: [0.1, 0.12, 0.08],
        metrics: ContinualMetrics(acc: acc, bwt: bwt, fwt: fwt), stepLoss: [1, 0.5], stepTask: [0, 2],
        taskTrainSeconds: train, taskEvalSeconds: [0.25], totalSeconds: train.reduce(0, +) + 0.25,
        parameters: [0.5, -0.5], layerLayout: [LayerLayoutEntry(name: "w", shape: [2], offset: 0, count: 2)])
}

/// Hand-chosen runs. Expected summary, by hand:
/// permuted-mnist/gem (3 seeds): ACC 0.80, 0.82, 0.84 → 0.820 ± 0.020; BWT −0.01, −0.03, −0.02 →
///   −0.020 ± 0.010; FWT 0.00, 0.01, 0.02 → 0.010 ± 0.010; train 10, 12, 14 s → 12.0 ± 2.0.
/// permuted-mnist/naive (1 seed): 0.500, −0.300, 0.005, 3.0 — no ±.
/// split-mnist/joint (2 seeds): ACC 0.95, 0.97 → 0.960 ± 0.014 (√0.0002 = 0.01414);
///   BWT/FWT undefined → n/a; train 5, 5 → 5.0 ± 0.0.
func handRuns() -> [RunRecord] {
    [
        makeRun("permuted-mnist", "gem", seed: 0, acc: 0.80, bwt: -0.01, fwt: 0.00, train: [4, 6]),
        makeRun("permuted-mnist", "gem", seed: 1, acc: 0.82, bwt: -0.03, fwt: 0.01, train: [6, 6]),
        makeRun("permuted-mnist", "gem", seed: 2, acc: 0.84, bwt: -0.02, fwt: 0.02, train: [7, 7]),
        makeRun("permuted-mnist", "naive", seed: 0, acc: 0.50, bwt: -0.30, fwt: 0.005, train: [3]),
        makeRun("split-mnist", "joint", seed: 1, acc: 0.97, bwt: nil, fwt: nil, train: [5]),
        makeRun("split-mnist", "joint", seed: 0, acc: 0.95, bwt: nil, fwt: nil, train: [5]),
    ]
}

/// `record` with R and b replaced by ones whose ACC, BWT and FWT are the stored values (the
/// placeholder matrix of `makeRun` has its own): T = 3, R[0][0] = 0.9, R[1][1] = 0.85,
/// b = (0.1, 0.12, 0.08); the last row moves both old tasks by BWT and makes the mean ACC; the
/// entries above the diagonal are b + FWT. Undefined BWT and FWT: one row of ACC.
func withMatchingMatrix(_ record: RunRecord) -> RunRecord {
    var record = record
    let b = [0.1, 0.12, 0.08]
    if let bwt = record.metrics.bwt, let fwt = record.metrics.fwt {
        let last = [0.9 + bwt, 0.85 + bwt, 3 * record.metrics.acc - (0.9 + bwt) - (0.85 + bwt)]
        record.accuracyMatrix = [[0.9, b[1] + fwt, 0.1], [0.8, 0.85, b[2] + fwt], last]
    } else {
        record.accuracyMatrix = [[record.metrics.acc, record.metrics.acc, record.metrics.acc]]
    }
    record.randomInitAccuracy = b
    return record
}
