import XCTest
import Storage
@testable import Reporting

final class PaperComparisonTests: XCTestCase {
    private func run(_ experiment: String, _ benchmark: String, _ strategy: String, seed: Int, acc: Double,
                     bwt: Double?, fwt: Double?, train: Double = 10) -> RunSummary {
        var summary = RunSummary(fileName: "\(experiment)__\(strategy)__seed\(seed).h5", experiment: experiment,
                                 strategy: strategy, seed: seed, benchmark: benchmark, scenario: "domain-incremental",
                                 taskCount: 20, acc: acc, bwt: bwt, fwt: fwt, accuracyMatrix: [[acc, acc], [acc, acc]],
                                 randomInitAccuracy: [0.1, 0.1], trainSeconds: train, evalSeconds: 5,
                                 totalSeconds: train + 5, gembenchVersion: "0.1.0", gitCommit: "abc", created: "now")
        summary.machine = "Test CPU · 2 cores · 2 BLAS threads"
        return summary
    }

    func testRowsShowMeanAndStdBesideThePaperAndFlagOnlyRealDifferences() {
        let runs = [
            // GEM on permutations: mean ACC 0.82, sample std 0.01 (values 0.81, 0.83): within 2σ of .826
            run("paper-permuted-mnist", "permuted-mnist", "gem", seed: 0, acc: 0.81, bwt: 0.02, fwt: 0.009),
            run("paper-permuted-mnist", "permuted-mnist", "gem", seed: 1, acc: 0.83, bwt: 0.03, fwt: 0.009),
            // single on rotations: ACC 0.40 is far from .531
            run("paper-rotated-mnist", "rotated-mnist", "single", seed: 0, acc: 0.40, bwt: -0.09, fwt: 0.425),
            // not a paper-suite run: ignored
            run("permuted-mnist", "permuted-mnist", "gem", seed: 0, acc: 0.1, bwt: 0, fwt: 0),
        ]
        let (md, csv) = PaperComparison.render(runs, command: "swift run bench report R --paper-table P")
        // BWT/FWT in the published convention: the formula's values × 19/20 (0.02, 0.03 → 0.019, 0.0285)
        XCTAssertTrue(md.contains("| MNIST permutations | GEM | 2 | 0.820 ± 0.014 | 0.826 | 0.024 ± 0.007 | 0.025 |"), md)
        XCTAssertTrue(md.contains("BWT and FWT are in the paper's published convention: averaged over all T = 20 tasks"), md)
        XCTAssertTrue(md.contains("| MNIST rotations | single | 1 | 0.400 | 0.531 |"), md)
        XCTAssertTrue(md.contains("- MNIST rotations, single (ours vs paper): ACC 0.400 vs 0.531; FWT 0.404 vs 0.425. Likeliest reason: the paper's rotation angles"), md)
        XCTAssertFalse(md.contains("MNIST permutations, GEM (ours"), md)
        XCTAssertTrue(md.contains("Test CPU · 2 cores · 2 BLAS threads"))
        XCTAssertTrue(md.contains("`swift run bench report R --paper-table P`"))
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[1], "permuted-mnist,gem,2,0.820000,0.014142,0.826000,0.023750,0.006718,0.025000,0.008550,0.000000,0.009000,10.000000,15.000000")
    }
}
