import Foundation
import Reporting
import Storage
import XCTest

final class ReportingTests: XCTestCase {
    func testStatisticIsMeanAndSampleStd() throws {
        let s = try XCTUnwrap(Statistic([0.80, 0.82, 0.84]))
        XCTAssertEqual(s.mean, 0.82, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.std), 0.02, accuracy: 1e-12)  // √((0.0004 + 0 + 0.0004) / 2)
        XCTAssertEqual(s.n, 3)
        XCTAssertNil(Statistic([0.5])?.std)
        XCTAssertNil(Statistic([]))
    }

    func testMarkdownTableMatchesHandComputedSummary() {
        XCTAssertEqual(Tables.markdownTable(records: handRuns()), """
            | Benchmark | Strategy | n | ACC | BWT | FWT | Train (s) |
            | --- | --- | --: | --: | --: | --: | --: |
            | permuted-mnist | gem | 3 | 0.820 ± 0.020 | -0.020 ± 0.010 | 0.010 ± 0.010 | 12.0 ± 2.0 |
            | permuted-mnist | naive | 1 | 0.500 | -0.300 | 0.005 | 3.0 |
            | split-mnist | joint | 2 | 0.960 ± 0.014 | n/a | n/a | 5.0 ± 0.0 |

            """)
    }

    func testSummaryCSVHasEmptyCellsForUndefinedAndSingleSeed() {
        let csv = Tables.summaryCSV(Summary.rows(handRuns().map { RunSummary($0) }))
        XCTAssertEqual(csv, """
            benchmark,strategy,experiment,scenario,n,seeds,acc_mean,acc_std,bwt_mean,bwt_std,bwt_n,fwt_mean,fwt_std,fwt_n,train_seconds_mean,train_seconds_std
            permuted-mnist,gem,permuted-mnist,domain-incremental,3,0 1 2,0.820000,0.020000,-0.020000,0.010000,3,0.010000,0.010000,3,12.000,2.000
            permuted-mnist,naive,permuted-mnist,domain-incremental,1,0,0.500000,,-0.300000,,1,0.005000,,1,3.000,
            split-mnist,joint,split-mnist,domain-incremental,2,0 1,0.960000,0.014142,,,0,,,0,5.000,0.000

            """)
    }

    func testRunsCSVIsOneSortedRowPerRun() {
        let csv = Tables.runsCSV(handRuns().map { RunSummary($0) })
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7)
        XCTAssertEqual(lines[0], Tables.runsCSVHeader.joined(separator: ","))
        XCTAssertEqual(lines[4], "permuted-mnist__naive__seed0.h5,permuted-mnist,permuted-mnist,domain-incremental,naive,0,3,"
                       + "0.500000,-0.300000,0.005000,3.000,0.250,3.250,0.1.0,abc123,2026-11-28T08:40:55Z")
        XCTAssertEqual(lines[5], "split-mnist__joint__seed0.h5,split-mnist,split-mnist,domain-incremental,joint,0,3,"
                       + "0.950000,,,5.000,0.250,5.250,0.1.0,abc123,2026-11-28T08:40:55Z")
    }

    func testExperimentColumnAppearsOnlyWhenOnePairHasSeveralExperiments() {
        var runs = handRuns()
        runs.append(makeRun("permuted-mnist", "gem", seed: 0, acc: 0.9, bwt: 0, fwt: 0, train: [1], experiment: "pm-gem-big-memory"))
        let table = Tables.markdownTable(records: runs)
        XCTAssertTrue(table.hasPrefix("| Benchmark | Strategy | Experiment | n | ACC |"), table)
        XCTAssertTrue(table.contains("| permuted-mnist | gem | pm-gem-big-memory | 1 | 0.900 | 0.000 | 0.000 | 1.0 |"), table)
        XCTAssertTrue(table.contains("| permuted-mnist | gem | permuted-mnist | 3 | 0.820 ± 0.020 |"), table)
    }

    func testMetricDefinedInSomeRunsShowsItsOwnN() {
        let runs = [makeRun("b", "s", seed: 0, acc: 0.5, bwt: -0.1, fwt: nil, train: [1]),
                    makeRun("b", "s", seed: 1, acc: 0.7, bwt: nil, fwt: nil, train: [1])]
        XCTAssertTrue(Tables.markdownTable(records: runs).contains("| b | s | 2 | 0.600 ± 0.141 | -0.100 (n=1) | n/a | 1.0 ± 0.0 |"))
    }

    func testRecomputedMetricsFromHandMatrix() {
        // ACC = (0.7 + 0.75 + 0.95)/3 = 0.8; BWT = ((0.7-0.9) + (0.75-0.85))/2 = -0.15;
        // FWT = ((0.1-0.12) + (0.15-0.08))/2 = 0.025.
        let m = RecomputedMetrics(accuracyMatrix: [[0.9, 0.1, 0.2], [0.8, 0.85, 0.15], [0.7, 0.75, 0.95]],
                                  randomInitAccuracy: [0.1, 0.12, 0.08])
        XCTAssertEqual(m.acc, 0.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.bwt), -0.15, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.fwt), 0.025, accuracy: 1e-12)
        XCTAssertTrue(m.matches(acc: 0.8, bwt: -0.15, fwt: 0.025))
        let single = RecomputedMetrics(accuracyMatrix: [[0.9]], randomInitAccuracy: [0.1])
        XCTAssertEqual(single.acc, 0.9)
        XCTAssertNil(single.bwt)
        XCTAssertNil(single.fwt)
    }

    func testReportFolderSkipsIncompleteDamagedAndForeignFilesAndRegeneratesByteForByte() throws {
        let root = try makeTemporaryDirectory()
        let runs = root.appendingPathComponent("runs")
        for record in handRuns().map(withMatchingMatrix) {
            try RunFile.write(record, to: RunFile.url(in: runs, experiment: record.experiment,
                                                      strategy: record.strategy, seed: record.seed))
        }
        let complete = RunFile.url(in: runs, experiment: "permuted-mnist", strategy: "gem", seed: 0)
        let bytes = try Data(contentsOf: complete)
        // A write killed half-way: a temporary file; and one that looks complete but was never renamed.
        try bytes.prefix(bytes.count / 2).write(to: runs.appendingPathComponent(".permuted-mnist__ewc__seed0.h5.partial-4242"))
        try bytes.write(to: runs.appendingPathComponent(".permuted-mnist__ewc__seed1.h5.partial-4243"))
        try bytes.prefix(bytes.count - 100).write(to: runs.appendingPathComponent("cut.h5"))
        try "not hdf5".write(to: runs.appendingPathComponent("notes.h5"), atomically: true, encoding: .utf8)
        try bytes.write(to: runs.appendingPathComponent("zz-copy.h5"))
        try "ignored".write(to: runs.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)

        let outcome = try Report.write(runsDirectory: runs, to: Report.defaultOutputDirectory(for: runs),
                                       command: "swift run bench report runs")
        XCTAssertEqual(outcome.runCount, 6)
        XCTAssertEqual(outcome.files.map(\.lastPathComponent), ["runs.csv", "summary.csv", "summary.md"])
        XCTAssertEqual(outcome.files.map { $0.deletingLastPathComponent().standardizedFileURL.path },
                       Array(repeating: root.standardizedFileURL.path, count: 3))
        XCTAssertEqual(outcome.skipped, [
            SkippedRun(fileName: ".permuted-mnist__ewc__seed0.h5.partial-4242",
                       reason: "incomplete run (temporary file of an interrupted or running write)"),
            SkippedRun(fileName: ".permuted-mnist__ewc__seed1.h5.partial-4243",
                       reason: "incomplete run (temporary file of an interrupted or running write)"),
            SkippedRun(fileName: "cut.h5", reason: "damaged run file: truncated: \(bytes.count - 612) of \(bytes.count - 512) bytes after the header"),
            SkippedRun(fileName: "notes.h5", reason: "not a GEMBench run file: not an HDF5 file"),
            SkippedRun(fileName: "zz-copy.h5",
                       reason: "duplicate of permuted-mnist__gem__seed0.h5 (same experiment, strategy and seed)"),
        ])
        let summary = try String(contentsOf: root.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains(Tables.markdownTable(records: handRuns())), summary)
        XCTAssertTrue(summary.contains("Regenerate with `swift run bench report runs`."))
        XCTAssertTrue(summary.contains("- `notes.h5`: not a GEMBench run file: not an HDF5 file\n"), summary)
        let runsCSV = try String(contentsOf: root.appendingPathComponent("runs.csv"), encoding: .utf8)
        XCTAssertEqual(runsCSV, Tables.runsCSV(handRuns().map(withMatchingMatrix).map { RunSummary($0) }))

        let first = try outcome.files.map { try Data(contentsOf: $0) }
        _ = try Report.write(runsDirectory: runs, to: root, command: "swift run bench report runs")
        XCTAssertEqual(try outcome.files.map { try Data(contentsOf: $0) }, first)
    }

    /// Before: a report averaged whatever ACC a file stored, while `bench show` warned about it.
    func testARunWhoseStoredMetricsDisagreeWithItsMatrixIsSkippedWithBothValues() throws {
        let runs = try makeTemporaryDirectory()
        var good = withMatchingMatrix(handRuns()[0])
        try RunFile.write(good, to: runs.appendingPathComponent("good.h5"))
        good.seed = 1
        good.acc = 0.9  // R's last row averages 0.8
        try RunFile.write(good, to: runs.appendingPathComponent("bad.h5"))
        var undefined = withMatchingMatrix(handRuns()[1])
        undefined.seed = 2
        undefined.fwt = nil  // R is square with T = 3: FWT is defined
        try RunFile.write(undefined, to: runs.appendingPathComponent("undefined.h5"))
        let collection = try RunCollection.scan(runs)
        XCTAssertEqual(collection.runs.map(\.fileName), ["good.h5"])
        XCTAssertEqual(collection.skipped, [
            SkippedRun(fileName: "bad.h5", reason: "stored metrics disagree with its accuracy matrix R and b: "
                       + "ACC stored 0.9, recomputed \(RecomputedMetrics(accuracyMatrix: good.accuracyMatrix, randomInitAccuracy: good.randomInitAccuracy).acc)"),
            SkippedRun(fileName: "undefined.h5", reason: "stored metrics disagree with its accuracy matrix R and b: "
                       + "FWT stored undefined, recomputed \(RecomputedMetrics(accuracyMatrix: undefined.accuracyMatrix, randomInitAccuracy: undefined.randomInitAccuracy).fwt!)"),
        ])
        XCTAssertEqual(RecomputedMetrics(accuracyMatrix: good.accuracyMatrix, randomInitAccuracy: good.randomInitAccuracy).acc,
                       0.8, accuracy: 1e-12)
    }

    func testMissingRunsFolderIsAnError() throws {
        let root = try makeTemporaryDirectory()
        XCTAssertThrowsError(try Report.write(runsDirectory: root.appendingPathComponent("nope"), to: root, command: nil))
    }

    func testShowTextAlignsMatrixWithThreeDecimals() {
        var record = handRuns()[0]
        record.acc = 0.8
        record.bwt = -0.15
        record.fwt = 0.025
        let text = ShowText.render(record, fileName: "x.h5")
        XCTAssertTrue(text.contains("""
            ACC  0.800
            BWT -0.150
            FWT  0.025

            Accuracy matrix R (row: after training task i; column: accuracy on task j)
                    task 0 task 1 task 2
            after 0  0.900  0.100  0.200
            after 1  0.800  0.850  0.150
            after 2  0.700  0.750  0.950
            random   0.100  0.120  0.080

            """), text)
        XCTAssertFalse(text.contains("warning"))
        record.acc = 0.9
        XCTAssertTrue(ShowText.render(record, fileName: "x.h5").contains("warning: stored metrics differ"))
    }

    /// Writes Swift-made run files for the Python checks (Tests/python) when
    /// GEMBENCH_SAMPLE_RUNS names a folder; otherwise does nothing.
    func testWriteSampleRunsForPythonChecksWhenAsked() throws {
        guard let folder = ProcessInfo.processInfo.environment["GEMBENCH_SAMPLE_RUNS"] else { return }
        let directory = URL(fileURLWithPath: folder)
        var generator = SplitMix(seed: 7)
        for (benchmark, strategy, tasks) in [("permuted-mnist", "gem", 4), ("permuted-mnist", "naive", 4), ("split-mnist", "joint", 1)] {
            for seed in 0..<(tasks == 1 ? 1 : 3) {
                var r: [[Double]] = []
                for i in 0..<tasks { r.append((0..<tasks).map { j in j <= i ? 0.6 + 0.4 * generator.unit() : 0.1 * generator.unit() }) }
                let b = (0..<tasks).map { _ in 0.1 * generator.unit() }
                let m = RecomputedMetrics(accuracyMatrix: r, randomInitAccuracy: b)
                var record = makeRun(benchmark, strategy, seed: seed, acc: m.acc, bwt: m.bwt, fwt: m.fwt,
                                 train: (0..<tasks).map { _ in 1 + generator.unit() })
                record.accuracyMatrix = r
                record.randomInitAccuracy = b
                record.tasks = TaskDefinitions(scenario: "domain-incremental",
                                               tasks: (0..<tasks).map { _ in TaskDefinition(permutation: (0..<784).map { Int32($0) }) })
                record.stepLoss = (0..<(tasks * 20)).map { Float(2.3 * exp(-Double($0) / 30)) }
                record.stepTask = (0..<(tasks * 20)).map { Int32($0 / 20) }
                if strategy == "gem" {
                    record.diagnostics = ["gem_violations": record.stepTask.map { Float($0 > 0 ? $0 % 2 : 0) }]
                    record.memory = EpisodicMemoryRecord(inputs: [Float](repeating: 0.5, count: 8 * 784), featureCount: 784,
                                                         labels: (0..<8).map { Int32($0) }, tasks: (0..<8).map { Int32($0 % tasks) })
                }
                try RunFile.write(record, to: RunFile.url(in: directory, experiment: record.experiment,
                                                          strategy: strategy, seed: seed), overwrite: true)
            }
        }
    }
}

/// A tiny deterministic generator for sample data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
