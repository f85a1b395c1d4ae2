import Foundation
import Metrics
import Storage
import XCTest

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The figures against hand-computed numbers and pixels (the Python tests check them
/// against real run files).
final class FigureTests: XCTestCase {
    private func run(
        _ benchmark: String, _ strategy: String, seed: Int, r: [[Double]], b: [Double],
        experiment: String? = nil
    ) -> RunSummary {
        let experiment = experiment ?? benchmark
        return RunSummary(
            fileName: RunFile.fileName(experiment: experiment, strategy: strategy, seed: seed),
            experiment: experiment, strategy: strategy, seed: seed, benchmark: benchmark,
            scenario: "domain-incremental", taskCount: b.count,
            metrics: ContinualMetrics(accuracy: r, randomInit: b),  // all of them, as a report's runs have
            accuracyMatrix: r, randomInitAccuracy: b, trainSeconds: 1, evalSeconds: 1, totalSeconds: 2,
            gembenchVersion: "0.1.0", gitCommit: "abc", created: "2026-11-28T08:40:55Z")
    }

    /// Two strategies on two tasks. By hand:
    /// a, seed 0: R = [[0.9, 0.1], [0.6, 0.8]] → ACC 0.7, BWT −0.3, FWT 0.1 − 0.2 = −0.1, forgetting 0.3
    /// a, seed 1: R = [[0.8, 0.3], [0.6, 0.4]] → ACC 0.5, BWT −0.2, FWT 0.3 − 0.2 = 0.1, forgetting 0.2
    ///   mean ACC 0.6 (std √0.02 = 0.141421), BWT −0.25, FWT 0, forgetting 0.25
    /// b (joint, one row [0.25, 0.25]): ACC 0.25, the rest undefined.
    private func handRuns() -> [RunSummary] {
        [
            run("bench", "a", seed: 0, r: [[0.9, 0.1], [0.6, 0.8]], b: [0.1, 0.2]),
            run("bench", "a", seed: 1, r: [[0.8, 0.3], [0.6, 0.4]], b: [0.1, 0.2]),
            run("bench", "b", seed: 0, r: [[0.25, 0.25]], b: [0.1, 0.2]),
        ]
    }

    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLDocument {
        do { return try XMLDocument(data: Data(svg.utf8)) } catch {
            XCTFail("not well-formed XML: \(error)", file: file, line: line)
            throw error
        }
    }

    private func elements(_ document: XMLDocument, _ xpath: String) throws -> [XMLElement] {
        try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// An attribute's value (FoundationXML's `attribute(forName:)` misses them on SVG's namespaced elements).
    private func attr(_ element: XMLElement?, _ name: String) -> String? {
        element?.attributes?.first { $0.name == name }?.stringValue
    }

    private func figure(_ figures: [Figure], _ name: String) throws -> XMLDocument {
        let found = try XCTUnwrap(figures.first { $0.fileName == name }, "no \(name) in \(figures.map(\.fileName))")
        return try parse(found.svg)
    }

    func testFiguresOfABenchmarkAreNamedByKind() {
        XCTAssertEqual(
            Figures.render(handRuns()).map(\.fileName),
            [
                "bench-metrics.svg", "bench-average-accuracy.svg", "bench-first-task.svg", "bench-task-accuracy.svg",
                "bench-matrix-a.svg", "bench-matrix-b.svg",
            ])
        XCTAssertEqual(Figures.fileSafe("gem (paper-permuted mnist)"), "gem-paper-permuted-mnist")
    }

    func testMetricBarsCarryTheirValuesAndSitAtHandComputedPixels() throws {
        let document = try figure(Figures.render(handRuns()), "bench-metrics.svg")
        // ACC panel: fixed axis 0..1 over pixels 266 (bottom) .. 76 (top), 190 pixels.
        let accBars = try elements(document, "//*[@class='panel'][@data-metric='acc']/*[@class='bar']")
        XCTAssertEqual(accBars.map { attr($0, "data-strategy") }, ["a", "b"])
        let a = accBars[0]
        let b = accBars[1]
        XCTAssertEqual(attr(a, "data-mean"), "0.600000")
        XCTAssertEqual(attr(a, "data-std"), "0.141421")
        XCTAssertEqual(attr(a, "data-n"), "2")
        XCTAssertEqual(attr(a, "y"), "152.00")  // 266 − 0.6 × 190
        XCTAssertEqual(attr(a, "height"), "114.00")
        XCTAssertNil(attr(b, "data-std"))  // one seed: no std
        XCTAssertEqual(attr(b, "y"), "218.50")  // 266 − 0.25 × 190
        let seeds = try elements(
            document, "//*[@class='panel'][@data-metric='acc']/*[@class='seed'][@data-strategy='a']")
        XCTAssertEqual(seeds.map { attr($0, "data-value") }, ["0.700000", "0.500000"])
        XCTAssertEqual(seeds.map { attr($0, "cy") }, ["133.00", "171.00"])
        let whisker = try XCTUnwrap(elements(document, "//*[@data-metric='acc']/*[@class='error-bar']").first)
        XCTAssertEqual(attr(whisker, "data-low"), "0.458579")
        XCTAssertEqual(attr(whisker, "data-high"), "0.741421")

        let forgetting = try XCTUnwrap(elements(document, "//*[@data-metric='forgetting']/*[@class='bar']").first)
        XCTAssertEqual(attr(forgetting, "data-mean"), "0.250000")
        let bwt = try XCTUnwrap(elements(document, "//*[@data-metric='bwt']/*[@class='bar']").first)
        XCTAssertEqual(attr(bwt, "data-mean"), "-0.250000")
        // BWT's axis covers −0.25 − 0.0707 and 0: nice ticks 0.1 apart from −0.4 to 0
        let panel = try XCTUnwrap(elements(document, "//*[@class='panel'][@data-metric='bwt']").first)
        XCTAssertEqual(attr(panel, "data-axis-low"), "-0.400000")
        XCTAssertEqual(attr(panel, "data-axis-high"), "0.000000")
        // joint's BWT, FWT and forgetting are undefined: "n/a", no bar
        for metric in ["bwt", "fwt", "forgetting"] {
            XCTAssertEqual(
                try elements(document, "//*[@data-metric='\(metric)']/*[@data-strategy='b']")
                    .map { attr($0, "class") }, ["undefined"], metric)
        }
        XCTAssertTrue(try elements(document, "//*[@class='paper']").isEmpty)
    }

    func testTaskAccuracyLinesAreColumnsOfTheMeanMatrixAndJointHasNoPanel() throws {
        let document = try figure(Figures.render(handRuns()), "bench-task-accuracy.svg")
        let panels = try elements(document, "//*[@class='panel']")
        XCTAssertEqual(panels.map { attr($0, "data-strategy") }, ["a"])
        XCTAssertEqual(attr(panels[0], "data-seeds"), "0 1")
        let lines = try elements(document, "//*[@class='task-line']")
        // mean R = [[0.85, 0.2], [0.6, 0.6]]: task 0 from stage 0, task 1 from stage 1
        XCTAssertEqual(lines.map { attr($0, "data-after") }, ["0 1", "1"])
        XCTAssertEqual(lines.map { attr($0, "data-values") }, ["0.850000 0.600000", "0.600000"])
    }

    /// By hand, strategy a (joint b has no task sequence and no line):
    /// seed 0 R = [[0.9, 0.1], [0.6, 0.8]]: seen-so-far averages 0.9, (0.6 + 0.8) / 2 = 0.7; first task 0.9, 0.6
    /// seed 1 R = [[0.8, 0.3], [0.6, 0.4]]: averages 0.8, 0.5; first task 0.8, 0.6
    /// mean ± sample std: averages 0.85 ± 0.1/√2, 0.6 ± 0.2/√2; first task 0.85 ± 0.1/√2, 0.6 ± 0.
    func testAverageAccuracyAndFirstTaskAreStrategyLinesWithMeanAndStdOverSeeds() throws {
        let expected = [
            "bench-average-accuracy.svg": ("0.850000 0.600000", "0.070711 0.141421"),
            "bench-first-task.svg": ("0.850000 0.600000", "0.070711 0.000000"),
        ]
        for (name, (values, std)) in expected {
            let document = try figure(Figures.render(handRuns()), name)
            let panels = try elements(document, "//*[@class='panel']")
            XCTAssertEqual(panels.map { attr($0, "data-experiment") }, ["bench"], name)
            XCTAssertEqual(attr(panels[0], "data-seeds"), "0 1")
            let lines = try elements(document, "//*[@class='strategy-line']")
            XCTAssertEqual(lines.map { attr($0, "data-strategy") }, ["a"], name)
            XCTAssertEqual(attr(lines[0], "data-after"), "0 1")
            XCTAssertEqual(attr(lines[0], "data-values"), values, name)
            XCTAssertEqual(attr(lines[0], "data-std"), std, name)
            // each point where its value maps on the panel's axis; the band's first corner at mean + std
            let panel = panels[0]
            let (low, high) = (Double(attr(panel, "data-axis-low")!)!, Double(attr(panel, "data-axis-high")!)!)
            let (bottom, top) = (Double(attr(panel, "data-pixel-low")!)!, Double(attr(panel, "data-pixel-high")!)!)
            let y = { (v: Double) in bottom + (v - low) / (high - low) * (top - bottom) }
            let heights = try XCTUnwrap(attr(lines[0], "points")).split(separator: " ").map {
                Double($0.split(separator: ",")[1])!
            }
            XCTAssertEqual(heights[0], y(0.85), accuracy: 0.006)
            XCTAssertEqual(heights[1], y(0.6), accuracy: 0.006)
            let band = try XCTUnwrap(elements(document, "//*[@class='band'][@data-strategy='a']").first)
            let corner = try XCTUnwrap(attr(band, "points")?.split(separator: " ").first?.split(separator: ","))
            XCTAssertEqual(Double(corner[1])!, y(0.85 + 0.1 / 2.0.squareRoot()), accuracy: 0.006)
        }
        // average accuracy: the band spans 0.85 − 0.0707 … 0.6 + 0.1414 down to 0.6 − 0.1414 = 0.4586: ticks 0.2 apart, 0.4 to 1
        let average = try figure(Figures.render(handRuns()), "bench-average-accuracy.svg")
        let panel = try XCTUnwrap(elements(average, "//*[@class='panel']").first)
        XCTAssertEqual([attr(panel, "data-axis-low"), attr(panel, "data-axis-high")], ["0.400000", "1.000000"])
        let text = try elements(average, "/*/*[local-name()='text']").map { $0.stringValue ?? "" }.joined(
            separator: " ")
        XCTAssertTrue(text.contains("Joint training (no task sequence) is not shown."), text)
    }

    /// One panel per experiment; a strategy keeps its colour in every panel; one seed has no band.
    func testStrategyLinesHaveAPanelPerExperimentAndOneColourPerStrategy() throws {
        let runs = [
            run("bench", "gem", seed: 0, r: [[0.9, 0.1], [0.7, 0.8]], b: [0.1, 0.1], experiment: "x"),
            run("bench", "naive", seed: 0, r: [[0.9, 0.1], [0.2, 0.9]], b: [0.1, 0.1], experiment: "x"),
            run(
                "bench", "gem", seed: 0, r: [[0.5, 0.1, 0.1], [0.4, 0.6, 0.1], [0.3, 0.5, 0.7]],
                b: [0.1, 0.1, 0.1], experiment: "y"),
        ]
        let document = try figure(Figures.render(runs), "bench-first-task.svg")
        XCTAssertEqual(try elements(document, "//*[@class='panel']").map { attr($0, "data-experiment") }, ["x", "y"])
        let lines = try elements(document, "//*[@class='strategy-line']")
        XCTAssertEqual(
            lines.map { attr($0, "data-strategy")! + "=" + attr($0, "data-values")! },
            ["gem=0.900000 0.700000", "naive=0.900000 0.200000", "gem=0.500000 0.400000 0.300000"])
        XCTAssertEqual(attr(lines[0], "stroke"), attr(lines[2], "stroke"))
        XCTAssertNotEqual(attr(lines[0], "stroke"), attr(lines[1], "stroke"))
        XCTAssertNil(attr(lines[0], "data-std"))
        XCTAssertTrue(try elements(document, "//*[@class='band']").isEmpty)
    }

    /// Before: four panels side by side, 34 pixels a strategy: 22 strategies made the figure 3,288
    /// pixels wide, and report.html scrolled to show forgetting.
    func testEveryFigureFitsThePageWidthAndTheMetricPanelsWrap() throws {
        var runs: [RunSummary] = []
        let r = (0..<20).map { i in (0..<20).map { j in j <= i ? 0.9 : 0.1 } }
        for k in 0..<22 {
            for seed in 0..<2 {
                runs.append(
                    run(
                        "many", "strategy-with-a-long-name-\(k)", seed: seed, r: r, b: Array(repeating: 0.1, count: 20),
                        experiment: "experiment-\(k % 2)"))
            }
        }
        let figures = Figures.render(runs)
        XCTAssertEqual(figures.filter { $0.kind == "matrix" }.count, 22)
        for figure in figures {
            let width = Double(ReportPage.size(of: figure.svg).0)!
            XCTAssertLessThanOrEqual(width, FigureStyle.maxWidth, figure.fileName)
        }
        let metrics = try figure(figures, "many-metrics.svg")
        let width = Double(ReportPage.size(of: figures[0].svg).0)!
        let axes = try elements(metrics, "//*[@class='panel']/*[@class='x-axis']/*[local-name()='line'][1]")
        XCTAssertEqual(axes.count, 4)
        for axis in axes { XCTAssertLessThanOrEqual(Double(attr(axis, "x2")!)!, width) }
        // 22 bars fit two panels a row: forgetting starts a second row, below ACC
        let tops = try elements(metrics, "//*[@class='panel']/*[@class='y-axis']/*[local-name()='line'][last()]")
            .map { Double(attr($0, "y2")!)! }
        XCTAssertEqual(tops[0], tops[1])
        XCTAssertGreaterThan(tops[3], tops[0] + MetricBarsFigure.plotHeight)
        // and a few strategies keep the four panels in one row
        let few = try figure(Figures.render(handRuns()), "bench-metrics.svg")
        let fewTops = try elements(few, "//*[@class='panel']/*[@class='y-axis']/*[local-name()='line'][last()]")
            .map { attr($0, "y2") }
        XCTAssertEqual(Set(fewTops).count, 1)
    }

    func testMatrixHeatmapHoldsMeanRAndBWithWrittenValues() throws {
        let document = try figure(Figures.render(handRuns()), "bench-matrix-a.svg")
        let cells = try elements(document, "//*[@data-row]")
        func text(_ e: XMLElement, _ name: String) -> String { attr(e, name) ?? "(no \(name))" }
        XCTAssertEqual(
            cells.map { "\(text($0, "data-row")),\(text($0, "data-col"))=\(text($0, "data-value"))" },
            ["0,0=0.850000", "0,1=0.200000", "1,0=0.600000", "1,1=0.600000", "random,0=0.100000", "random,1=0.200000"])
        let texts = try elements(document, "//*[@class='matrix']/*[local-name()='text']").map { $0.stringValue ?? "" }
        XCTAssertEqual(texts, ["0.85", "0.20", "0.60", "0.60", "0.10", "0.20"])
        let joint = try figure(Figures.render(handRuns()), "bench-matrix-b.svg")
        XCTAssertEqual(try elements(joint, "//*[@data-row]").count, 4)
    }

    func testPaperMarkersOnlyInPaperModeAndOnlyOnThePaperSuitesRuns() throws {
        let runs = [
            run(
                "permuted-mnist", "gem", seed: 0, r: [[0.9, 0.1], [0.8, 0.85]], b: [0.1, 0.1],
                experiment: "paper-permuted-mnist"),
            run(
                "permuted-mnist", "gem", seed: 0, r: [[0.9, 0.1], [0.8, 0.85]], b: [0.1, 0.1],
                experiment: "my-permuted"),
        ]
        let marked = try figure(Figures.render(runs, paperMarkers: true), "permuted-mnist-metrics.svg")
        let markers = try elements(marked, "//*[@class='paper']")
        // the GEM paper's GEM on MNIST permutations: ACC .826, BWT .025, FWT .009 (its Figure 1), BWT and
        // FWT × 20/19 into the bars' ÷(T−1) convention
        XCTAssertEqual(
            markers.map { attr($0, "data-metric")! + "=" + attr($0, "data-value")! },
            ["acc=0.826000", "bwt=0.026316", "fwt=0.009474"])
        XCTAssertEqual(
            markers.map { attr($0, "data-strategy") }, Array(repeating: "gem (paper-permuted-mnist)", count: 3))
        XCTAssertTrue(Figures.render(runs, paperMarkers: true)[0].svg.contains("paper (Lopez-Paz &amp; Ranzato 2017"))
        let plain = try figure(Figures.render(runs), "permuted-mnist-metrics.svg")
        XCTAssertTrue(try elements(plain, "//*[@class='paper']").isEmpty)
    }

    func testWithinTaskCurvesAreDrawnWhenARunHasThem() throws {
        var runs = handRuns()
        XCTAssertFalse(Figures.render(runs).contains { $0.fileName == "bench-curves.svg" })
        // seeds 0 and 1 of "a" share steps: their mean is drawn; "b" has its own
        (runs[0].curveStep, runs[0].curve) = ([0, 10, 20], [[0.1, 0.1], [0.5, 0.2], [0.9, 0.3]])
        (runs[1].curveStep, runs[1].curve) = ([0, 10, 20], [[0.3, 0.1], [0.7, 0.4], [0.7, 0.5]])
        (runs[2].curveStep, runs[2].curve) = ([0, 5], [[0.2, 0.2], [0.4, 0.4]])
        let document = try figure(Figures.render(runs), "bench-curves.svg")
        let panels = try elements(document, "//*[@class='panel']")
        XCTAssertEqual(
            panels.map { attr($0, "data-strategy")! + ":" + attr($0, "data-seeds")! },
            ["a:0 1", "b:0"])
        let lines = try elements(document, "//*[@data-strategy='a']/*[@class='task-line']")
        XCTAssertEqual(lines.map { attr($0, "data-steps") }, ["0 10 20", "0 10 20"])
        XCTAssertEqual(
            lines.map { attr($0, "data-values") },
            ["0.200000 0.600000 0.800000", "0.100000 0.300000 0.400000"])
        // x from step 0 to 20 over 230 pixels starting at the panel's left edge (64): step 10 at 179
        let points = try XCTUnwrap(attr(lines[0], "points")).split(separator: " ")
        XCTAssertEqual(points.map { String($0.split(separator: ",")[0]) }, ["64.00", "179.00", "294.00"])
        // a seed whose curve has other steps is left out of the mean
        (runs[1].curveStep, runs[1].curve) = ([0, 10], [[0.3, 0.1], [0.7, 0.4]])
        let partial = try figure(Figures.render(runs), "bench-curves.svg")
        XCTAssertEqual(attr(try elements(partial, "//*[@class='panel'][@data-strategy='a']").first, "data-seeds"), "0")
    }

    func testFiguresAreAPureFunctionOfTheRuns() {
        let runs = handRuns()
        XCTAssertEqual(Figures.render(runs), Figures.render(runs.reversed()))
        XCTAssertFalse(Figures.render(runs).contains { $0.svg.contains("nan") })
        // a benchmark's figures stay the same when other benchmarks' runs join the folder
        let others = [
            run("another", "aa", seed: 0, r: [[0.5]], b: [0.1]), run("another", "gem", seed: 0, r: [[0.5]], b: [0.1]),
        ]
        XCTAssertEqual(Figures.render(runs + others).filter { $0.benchmark == "bench" }, Figures.render(runs))
    }

    func testEverySeriesDiffersInColourOrHatchAndTheHeatRampDarkensMonotonically() {
        XCTAssertEqual(
            FigureStyle.okabeIto,
            [
                "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                "#000000",
            ])
        var svg = SVGDocument(width: 10, height: 10)
        FigureStyle.defineFills(Array(0..<21), in: &svg)
        let patterns = svg.render(title: "t", description: "d").split(separator: "\n").filter {
            $0.contains("<pattern")
        }
        .map { $0.replacingOccurrences(of: #"id="fill-\d+""#, with: "", options: .regularExpression) }
        XCTAssertEqual(Set(patterns).count, 21, "two series look the same")
        func luminance(_ hex: String) -> Double {
            let v = Int(hex.dropFirst(), radix: 16)!
            return 0.2126 * Double(v >> 16) + 0.7152 * Double((v >> 8) & 255) + 0.0722 * Double(v & 255)
        }
        let ramp = (0...20).map { luminance(FigureStyle.heat(Double($0) / 20)) }
        XCTAssertEqual(ramp, ramp.sorted())
        XCTAssertLessThan(ramp.first!, 40)
        XCTAssertGreaterThan(ramp.last!, 200)
    }

    func testReportPageEmbedsEveryFigureAndLinksRunsWithoutScriptsOrNetwork() throws {
        let runs = handRuns()
        let figures = Figures.render(runs)
        let page = ReportPage.render(
            ReportPage.Context(
                runs: runs, skipped: [SkippedRun(fileName: "cut.h5", reason: "damaged run file: truncated")],
                figures: figures, figuresFolder: "figures", runsLink: "runs", runsPath: "Results/runs",
                command: "swift run bench report Results/runs"))
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.contains("src=\"http") || page.contains("href=\"http"))
        XCTAssertEqual(page.components(separatedBy: "<img src=\"data:image/svg+xml;base64,").count - 1, figures.count)
        for figure in figures {
            XCTAssertTrue(page.contains(Data(figure.svg.utf8).base64EncodedString()), figure.fileName)
            XCTAssertTrue(page.contains("<a href=\"figures/\(figure.fileName)\">"), figure.fileName)
        }
        XCTAssertTrue(page.contains("<a href=\"runs/bench__a__seed1.h5\">bench__a__seed1.h5</a>"))
        XCTAssertTrue(page.contains("<code>swift run bench run bench/a --seeds 0,1 --out Results/runs</code>"))
        XCTAssertTrue(page.contains("<li><code>cut.h5</code>: damaged run file: truncated</li>"))
        // the results row of "a": forgetting 0.25 ± 0.07 (0.3 and 0.2)
        XCTAssertTrue(page.contains("<td class=\"number\">0.250 ± 0.071</td>"), page)
        XCTAssertFalse(page.contains(".pdf\""))
        // with copies, each caption links them beside the SVG
        let linked = ReportPage.render(
            ReportPage.Context(
                runs: runs, skipped: [], figures: figures, figuresFolder: "figures", runsLink: "runs",
                runsPath: "Results/runs",
                command: nil, copies: ["pdf", "png"]))
        XCTAssertTrue(
            linked.contains(
                "(<a href=\"figures/bench-metrics.svg\">bench-metrics.svg</a> · "
                    + "<a href=\"figures/bench-metrics.pdf\">PDF</a> · <a href=\"figures/bench-metrics.png\">PNG</a>)"))
        XCTAssertEqual(
            Report.relativePath(from: URL(fileURLWithPath: "/x/Results"), to: URL(fileURLWithPath: "/x/Results/runs")),
            "runs")
        XCTAssertEqual(
            Report.relativePath(from: URL(fileURLWithPath: "/x/out"), to: URL(fileURLWithPath: "/x/runs")), "../runs")
    }

    /// Axis steps and label digits from literals, not the platform's log10 and pow (whose last
    /// bits may differ by platform): hand-computed cases, powers of ten and their neighbours.
    func testAxisStepsAndDecimalsAreHandComputedValues() {
        let steps: [(Double, Double)] = [
            (0.37, 0.5), (1000, 1000), (999.9999999999, 1000), (1000.0001, 2000),
            (0.0123, 0.02), (0.1, 0.1), (0.11, 0.2), (3, 5), (7, 10), (1e-7, 1e-7),
        ]
        for (raw, step) in steps { XCTAssertEqual(LinearScale.niceStep(raw), step, "niceStep(\(raw))") }
        let digits: [(Double, Int)] = [(0.05, 2), (0.1, 1), (0.2, 1), (1, 0), (2, 0), (50, 0), (0.001, 3), (5e-5, 5)]
        for (step, d) in digits { XCTAssertEqual(LinearScale.decimals(step), d, "decimals(\(step))") }
    }
}
