import Foundation
import Metrics
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
        XCTAssertEqual(
            Tables.markdownTable(records: handRuns()),
            """
            | Benchmark | Strategy | n | ACC | BWT | FWT | Train (s) | Eval (s) | Peak RSS (MiB) |
            | --- | --- | --: | --: | --: | --: | --: | --: | --: |
            | permuted-mnist | gem | 3 | 0.820 ± 0.020 | -0.020 ± 0.010 | 0.010 ± 0.010 | 12.0 ± 2.0 | 0.2 ± 0.0 | n/a |
            | permuted-mnist | naive | 1 | 0.500 | -0.300 | 0.005 | 3.0 | 0.2 | n/a |
            | split-mnist | joint | 2 | 0.960 ± 0.014 | n/a | n/a | 5.0 ± 0.0 | 0.2 ± 0.0 | n/a |

            """)
    }

    func testSummaryCSVHasEmptyCellsForUndefinedAndSingleSeed() {
        let csv = Tables.summaryCSV(Summary.rows(handRuns().map { RunSummary($0) }))
        XCTAssertEqual(
            csv,
            """
            benchmark,strategy,experiment,scenario,n,seeds,acc_mean,acc_std,bwt_mean,bwt_std,bwt_n,fwt_mean,fwt_std,fwt_n,train_seconds_mean,train_seconds_std,forgetting_mean,forgetting_std,forgetting_n,eval_seconds_mean,eval_seconds_std,lca_mean,lca_std,lca_n,peak_rss_mib_mean,peak_rss_mib_std,peak_rss_n,peak_rss_scope
            permuted-mnist,gem,permuted-mnist,domain-incremental,3,0 1 2,0.820000,0.020000,-0.020000,0.010000,3,0.010000,0.010000,3,12.000,2.000,,,0,0.250,0.000,,,0,,,0,
            permuted-mnist,naive,permuted-mnist,domain-incremental,1,0,0.500000,,-0.300000,,1,0.005000,,1,3.000,,,,0,0.250,,,,0,,,0,
            split-mnist,joint,split-mnist,domain-incremental,2,0 1,0.960000,0.014142,,,0,,,0,5.000,0.000,,,0,0.250,0.000,,,0,,,0,

            """)
    }

    func testRunsCSVIsOneSortedRowPerRun() {
        let csv = Tables.runsCSV(handRuns().map { RunSummary($0) })
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7)
        XCTAssertEqual(lines[0], Tables.runsCSVHeader.joined(separator: ","))
        XCTAssertEqual(
            lines[4],
            "permuted-mnist__naive__seed0.h5,permuted-mnist,permuted-mnist,domain-incremental,naive,0,3,"
                + "0.500000,-0.300000,0.005000,3.000,0.250,3.250,0.1.0,abc123,2026-11-28T08:40:55Z,,,,,,")
        XCTAssertEqual(
            lines[5],
            "split-mnist__joint__seed0.h5,split-mnist,split-mnist,domain-incremental,joint,0,3,"
                + "0.950000,,,5.000,0.250,5.250,0.1.0,abc123,2026-11-28T08:40:55Z,,,,,,")
    }

    /// Hand-made LCA and peaks: gem seeds LCA 0.2, 0.3, 0.4 → 0.300 ± 0.100 (√((0.01 + 0 + 0.01) / 2));
    /// peaks 100, 200, 300 MiB → 200 ± 100; one of them a shared process's → "*" and scope
    /// "process"; naive without either → n/a and empty cells; the LCA column appears with LCA.
    func testLCAAndPeakRSSColumnsAreMeanAndSampleStdOverSeeds() throws {
        var runs = handRuns()
        for (i, (lca, mib)) in zip([0.2, 0.3, 0.4], [100, 200, 300]).enumerated() {
            runs[i].metrics.lca = lca
            runs[i].peakRSSBytes = mib << 20
            runs[i].peakRSSScope = i == 1 ? "process" : "run"
        }
        let table = Tables.markdownTable(records: runs)
        XCTAssertTrue(
            table.hasPrefix(
                "| Benchmark | Strategy | n | ACC | BWT | FWT | LCA | Train (s) | Eval (s) | Peak RSS (MiB) |\n"
                    + "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |\n"), table)
        XCTAssertTrue(table.contains("| 0.010 ± 0.010 | 0.300 ± 0.100 | 12.0 ± 2.0 | 0.2 ± 0.0 | 200 ± 100 * |"), table)
        XCTAssertTrue(
            table.contains("| permuted-mnist | naive | 1 | 0.500 | -0.300 | 0.005 | n/a | 3.0 | 0.2 | n/a |"), table)
        let summary = Tables.summaryCSV(Summary.rows(runs.map { RunSummary($0) })).split(separator: "\n")
        XCTAssertTrue(
            summary[1].hasSuffix(",0.250,0.000,0.300000,0.100000,3,200.000,100.000,3,process"), String(summary[1]))
        XCTAssertTrue(summary[2].hasSuffix(",0.250,,,,0,,,0,"), String(summary[2]))
        let lines = Tables.runsCSV(runs.map { RunSummary($0) }).split(separator: "\n")
        XCTAssertTrue(lines[2].hasSuffix(",0.300000,209715200,process"), String(lines[2]))
        runs[1].peakRSSScope = "run"
        XCTAssertTrue(Tables.markdownTable(records: runs).contains("| 200 ± 100 |"))
        let page = try XCTUnwrap(
            String(
                data: try Data(contentsOf: try writtenReport(runs).appendingPathComponent("report.html")),
                encoding: .utf8))
        XCTAssertTrue(page.contains("<th>LCA</th><th>Train (s)</th><th>Eval (s)</th><th>Peak RSS (MiB)</th>"), page)
        XCTAssertTrue(
            page.contains(
                "<td class=\"number\">0.300 ± 0.100</td><td class=\"number\">12.0 ± 2.0</td>"
                    + "<td class=\"number\">0.2 ± 0.0</td><td class=\"number\">200 ± 100</td>"), page)
    }

    /// A report of `runs` (files written with matching R and b) in a fresh folder.
    private func writtenReport(_ runs: [RunRecord]) throws -> URL {
        let folder = try makeTemporaryDirectory()
        let runsFolder = folder.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runsFolder, withIntermediateDirectories: true)
        for run in runs.map(withMatchingMatrix) {
            try RunFile.write(
                run,
                to: runsFolder.appendingPathComponent(
                    RunFile.fileName(
                        experiment: run.experiment, strategy: run.strategy, seed: run.seed)))
        }
        _ = try Report.write(runsDirectory: runsFolder, to: folder, command: nil)
        return folder
    }

    func testExperimentColumnAppearsOnlyWhenOnePairHasSeveralExperiments() {
        var runs = handRuns()
        runs.append(
            makeRun(
                "permuted-mnist", "gem", seed: 0, acc: 0.9, bwt: 0, fwt: 0, train: [1], experiment: "pm-gem-big-memory")
        )
        let table = Tables.markdownTable(records: runs)
        XCTAssertTrue(table.hasPrefix("| Benchmark | Strategy | Experiment | n | ACC |"), table)
        XCTAssertTrue(
            table.contains("| permuted-mnist | gem | pm-gem-big-memory | 1 | 0.900 | 0.000 | 0.000 | 1.0 |"), table)
        XCTAssertTrue(table.contains("| permuted-mnist | gem | permuted-mnist | 3 | 0.820 ± 0.020 |"), table)
    }

    func testMetricDefinedInSomeRunsShowsItsOwnN() {
        let runs = [
            makeRun("b", "s", seed: 0, acc: 0.5, bwt: -0.1, fwt: nil, train: [1]),
            makeRun("b", "s", seed: 1, acc: 0.7, bwt: nil, fwt: nil, train: [1]),
        ]
        XCTAssertTrue(
            Tables.markdownTable(records: runs).contains(
                "| b | s | 2 | 0.600 ± 0.141 | -0.100 (n=1) | n/a | 1.0 ± 0.0 |"))
    }

    func testContinualMetricsFromHandMatrix() {
        // ACC = (0.7 + 0.75 + 0.95)/3 = 0.8; BWT = ((0.7-0.9) + (0.75-0.85))/2 = -0.15;
        // FWT = ((0.1-0.12) + (0.15-0.08))/2 = 0.025.
        let m = ContinualMetrics(
            accuracy: [[0.9, 0.1, 0.2], [0.8, 0.85, 0.15], [0.7, 0.75, 0.95]],
            randomInit: [0.1, 0.12, 0.08])
        XCTAssertEqual(m.acc, 0.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.bwt), -0.15, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(m.fwt), 0.025, accuracy: 1e-12)
        XCTAssertTrue(m.matches(ContinualMetrics(acc: 0.8, bwt: -0.15, fwt: 0.025)))
        let single = ContinualMetrics(accuracy: [[0.9]], randomInit: [0.1])
        XCTAssertEqual(single.acc, 0.9)
        XCTAssertNil(single.bwt)
        XCTAssertNil(single.fwt)
    }

    func testReportFolderSkipsIncompleteDamagedAndForeignFilesAndRegeneratesByteForByte() throws {
        let root = try makeTemporaryDirectory()
        let runs = root.appendingPathComponent("runs")
        for record in handRuns().map(withMatchingMatrix) {
            try RunFile.write(
                record,
                to: RunFile.url(
                    in: runs, experiment: record.experiment,
                    strategy: record.strategy, seed: record.seed))
        }
        let complete = RunFile.url(in: runs, experiment: "permuted-mnist", strategy: "gem", seed: 0)
        let bytes = try Data(contentsOf: complete)
        // A write killed half-way: a temporary file; and one that looks complete but was never renamed.
        try bytes.prefix(bytes.count / 2).write(
            to: runs.appendingPathComponent(".permuted-mnist__ewc__seed0.h5.partial-4242"))
        try bytes.write(to: runs.appendingPathComponent(".permuted-mnist__ewc__seed1.h5.partial-4243"))
        try bytes.prefix(bytes.count - 100).write(to: runs.appendingPathComponent("cut.h5"))
        try "not hdf5".write(to: runs.appendingPathComponent("notes.h5"), atomically: true, encoding: .utf8)
        try bytes.write(to: runs.appendingPathComponent("zz-copy.h5"))
        try "ignored".write(to: runs.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)

        let outcome = try Report.write(runsDirectory: runs, to: root, command: "swift run bench report runs")
        XCTAssertEqual(outcome.runCount, 6)
        // the tables and the page in the output folder, the figures in its figures/ folder
        let figures = root.appendingPathComponent("figures").standardizedFileURL.path
        let names = [
            "runs.csv", "summary.csv", "summary.md",
            "figures/permuted-mnist-metrics.svg", "figures/permuted-mnist-average-accuracy.svg",
            "figures/permuted-mnist-first-task.svg", "figures/permuted-mnist-task-accuracy.svg",
            "figures/permuted-mnist-matrix-gem.svg", "figures/permuted-mnist-matrix-naive.svg",
            // split-mnist holds one joint run, whose R is one row: no per-task curve to draw
            "figures/split-mnist-metrics.svg", "figures/split-mnist-matrix-joint.svg", "report.html",
        ]
        XCTAssertEqual(
            outcome.files.map { $0.standardizedFileURL.path },
            names.map { root.appendingPathComponent($0).standardizedFileURL.path })
        XCTAssertTrue(
            outcome.files.filter { $0.pathExtension == "svg" }
                .allSatisfy { $0.deletingLastPathComponent().standardizedFileURL.path == figures })
        XCTAssertEqual(
            outcome.skipped,
            [
                SkippedRun(
                    fileName: ".permuted-mnist__ewc__seed0.h5.partial-4242",
                    reason: "incomplete run (temporary file of an interrupted or running write)"),
                SkippedRun(
                    fileName: ".permuted-mnist__ewc__seed1.h5.partial-4243",
                    reason: "incomplete run (temporary file of an interrupted or running write)"),
                SkippedRun(
                    fileName: "cut.h5",
                    reason:
                        "damaged run file: truncated: \(bytes.count - 612) of \(bytes.count - 512) bytes after the header"
                ),
                SkippedRun(fileName: "notes.h5", reason: "not a GEMBench run file: not an HDF5 file"),
                SkippedRun(
                    fileName: "zz-copy.h5",
                    reason: "duplicate of permuted-mnist__gem__seed0.h5 (same experiment, strategy and seed)"),
            ])
        let summary = try String(contentsOf: root.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains(Tables.markdownTable(records: handRuns())), summary)
        XCTAssertTrue(summary.contains("Regenerate with `swift run bench report runs`."))
        XCTAssertTrue(summary.contains("- `notes.h5`: not a GEMBench run file: not an HDF5 file\n"), summary)
        let runsCSV = try String(contentsOf: root.appendingPathComponent("runs.csv"), encoding: .utf8)
        // the hand runs store no forgetting: the report recomputes it from their R
        XCTAssertEqual(
            runsCSV,
            Tables.runsCSV(handRuns().map(withMatchingMatrix).map { RunSummary($0).withRecomputedLaterMetrics() }))

        let first = try outcome.files.map { try Data(contentsOf: $0) }
        _ = try Report.write(runsDirectory: runs, to: root, command: "swift run bench report runs")
        XCTAssertEqual(try outcome.files.map { try Data(contentsOf: $0) }, first)
    }

    /// Before: runs with `eval_every` stored their curve, but `bench report` never drew it.
    func testTheCurveOfARunWithEvalEveryIsReadAndDrawn() throws {
        let root = try makeTemporaryDirectory()
        let runs = root.appendingPathComponent("runs")
        var record = withMatchingMatrix(handRuns()[0])
        (record.curveStep, record.curve) = ([5, 10, 15], [[0.5, 0.1, 0.1], [0.7, 0.2, 0.1], [0.6, 0.8, 0.3]])
        try RunFile.write(
            record,
            to: RunFile.url(
                in: runs, experiment: record.experiment, strategy: record.strategy,
                seed: record.seed))
        let summary = try XCTUnwrap(RunCollection.scan(runs).runs.first)
        XCTAssertEqual(summary.curveStep, [5, 10, 15])
        XCTAssertEqual(summary.curve, record.curve)
        let outcome = try Report.write(runsDirectory: runs, to: root.appendingPathComponent("report"), command: nil)
        let curves = try XCTUnwrap(outcome.files.first { $0.lastPathComponent == "permuted-mnist-curves.svg" })
        let svg = try String(contentsOf: curves, encoding: .utf8)
        // task 1's line: the second column of the stored curve, at the stored steps
        XCTAssertTrue(
            svg.contains("data-task=\"1\" data-steps=\"5 10 15\" data-values=\"0.100000 0.200000 0.800000\""), svg)
        // /train/task is [0, 2] (makeRun): task 2's training begins after iteration 1
        XCTAssertEqual(summary.taskBoundaries, [1])
        XCTAssertTrue(svg.contains("<line class=\"task-boundary\" data-x=\"1\""), svg)
    }

    func testForgettingIsReadWhenStoredAndRecomputedFromROtherwise() throws {
        let runs = try makeTemporaryDirectory()
        // R = [[0.9, .1, .2], [.8, .85, .15], [.7, .75, .95]], b = [.1, .12, .08] (makeRun):
        // forgetting = ((0.9 − 0.7) + (0.85 − 0.75)) / 2 = 0.15; BWT sum −0.3 and FWT sum 0.05, ÷3
        let old = makeRun("b", "old", seed: 0, acc: 0.8, bwt: -0.15, fwt: 0.025, train: [1])
        var stored = makeRun("b", "new", seed: 0, acc: 0.8, bwt: -0.15, fwt: 0.025, train: [1])
        // stored wins
        (stored.metrics.forgetting, stored.metrics.bwtOverAllTasks, stored.metrics.fwtOverAllTasks) = (0.42, -0.5, 0.5)
        for run in [old, stored] {
            try RunFile.write(
                run,
                to: runs.appendingPathComponent(
                    RunFile.fileName(
                        experiment: run.experiment,
                        strategy: run.strategy, seed: 0)))
        }
        let scanned = try RunCollection.scan(runs).runs.sorted { $0.strategy > $1.strategy }
        XCTAssertEqual(scanned.map(\.strategy), ["old", "new"])
        XCTAssertEqual(try XCTUnwrap(scanned[0].metrics.forgetting), 0.15, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(scanned[0].metrics.bwtOverAllTasks), -0.1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(scanned[0].metrics.fwtOverAllTasks), 0.05 / 3, accuracy: 1e-12)
        XCTAssertEqual(scanned[1].metrics.forgetting, 0.42)
        XCTAssertEqual(scanned[1].metrics.bwtOverAllTasks, -0.5)
        let csv = Tables.runsCSV(scanned).split(separator: "\n")
        XCTAssertTrue(csv[1].hasSuffix(",0.420000,-0.500000,0.500000,,,"), String(csv[1]))
        XCTAssertTrue(csv[2].hasSuffix(",0.150000,-0.100000,0.016667,,,"), String(csv[2]))
        let row = try XCTUnwrap(Summary.rows(scanned).first { $0.strategy == "old" })
        XCTAssertEqual(try XCTUnwrap(row.forgetting?.mean), 0.15, accuracy: 1e-12)
    }

    /// Before: a diverged run (NaN losses, NaN parameters) was tabled like any other.
    func testADivergedRunIsSkippedNamingItsFirstNonFiniteValue() throws {
        let runs = try makeTemporaryDirectory()
        var lossy = withMatchingMatrix(handRuns()[0])
        lossy.stepLoss[1] = .nan
        try RunFile.write(lossy, to: runs.appendingPathComponent("lossy.h5"))
        var broken = withMatchingMatrix(handRuns()[0])
        broken.seed = 1
        broken.parameters[0] = -.infinity
        try RunFile.write(broken, to: runs.appendingPathComponent("broken.h5"))
        let collection = try RunCollection.scan(runs)
        XCTAssertEqual(collection.runs, [])
        XCTAssertEqual(
            collection.skipped,
            [
                SkippedRun(
                    fileName: "broken.h5", reason: "diverged: /model/parameters[0] = -inf; its numbers mean nothing"),
                SkippedRun(fileName: "lossy.h5", reason: "diverged: /train/loss[1] = nan; its numbers mean nothing"),
            ])
    }

    /// Before: a report averaged whatever ACC a file stored, while `bench show` warned about it.
    func testARunWhoseStoredMetricsDisagreeWithItsMatrixIsSkippedWithBothValues() throws {
        let runs = try makeTemporaryDirectory()
        var good = withMatchingMatrix(handRuns()[0])
        try RunFile.write(good, to: runs.appendingPathComponent("good.h5"))
        good.seed = 1
        good.metrics.acc = 0.9  // R's last row averages 0.8
        try RunFile.write(good, to: runs.appendingPathComponent("bad.h5"))
        var undefined = withMatchingMatrix(handRuns()[1])
        undefined.seed = 2
        undefined.metrics.fwt = nil  // R is square with T = 3: FWT is defined
        try RunFile.write(undefined, to: runs.appendingPathComponent("undefined.h5"))
        let collection = try RunCollection.scan(runs)
        XCTAssertEqual(collection.runs.map(\.fileName), ["good.h5"])
        XCTAssertEqual(
            collection.skipped,
            [
                SkippedRun(
                    fileName: "bad.h5",
                    reason: "stored metrics disagree with its accuracy matrix R and b: "
                        + "ACC stored 0.9, recomputed \(ContinualMetrics(accuracy: good.accuracyMatrix, randomInit: good.randomInitAccuracy).acc)"
                ),
                SkippedRun(
                    fileName: "undefined.h5",
                    reason: "stored metrics disagree with its accuracy matrix R and b: "
                        + "FWT stored undefined, recomputed \(ContinualMetrics(accuracy: undefined.accuracyMatrix, randomInit: undefined.randomInitAccuracy).fwt!)"
                ),
            ])
        XCTAssertEqual(
            ContinualMetrics(accuracy: good.accuracyMatrix, randomInit: good.randomInitAccuracy).acc,
            0.8, accuracy: 1e-12)
    }

    func testMissingRunsFolderIsAnError() throws {
        let root = try makeTemporaryDirectory()
        XCTAssertThrowsError(
            try Report.write(runsDirectory: root.appendingPathComponent("nope"), to: root, command: nil))
    }

    func testShowTextAlignsMatrixWithThreeDecimals() {
        var record = handRuns()[0]
        record.metrics.acc = 0.8
        record.metrics.bwt = -0.15
        record.metrics.fwt = 0.025
        let text = ShowText.render(record, fileName: "x.h5")
        XCTAssertTrue(
            text.contains(
                """
                ACC  0.800
                BWT -0.150
                FWT  0.025
                FGT  0.150  (average forgetting)
                BWT÷T -0.100, FWT÷T  0.017  (means over all T tasks, as the GEM code prints them)

                Accuracy matrix R (row: after training task i; column: accuracy on task j)
                        task 0 task 1 task 2
                after 0  0.900  0.100  0.200
                after 1  0.800  0.850  0.150
                after 2  0.700  0.750  0.950
                random   0.100  0.120  0.080

                """), text)
        XCTAssertFalse(text.contains("warning"))
        record.metrics.acc = 0.9
        XCTAssertTrue(ShowText.render(record, fileName: "x.h5").contains("warning: stored metrics differ"))
    }
}
