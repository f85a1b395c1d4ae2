import Storage
import XCTest

@testable import Reporting

/// The report's command per row plans the row's runs again: with the experiment folders they
/// were planned with, each quoted for the shell.
final class RunCommandTests: XCTestCase {
    func testTheCommandNamesTheRowsExperimentFoldersQuoted() {
        var runs = handRuns().map { RunSummary($0) }.filter { $0.benchmark == "permuted-mnist" && $0.strategy == "gem" }
        runs[0].experimentFolders = ["my experiments", "/b"]
        runs[1].experimentFolders = ["/b", "it's"]
        let row = Summary.rows(runs)[0]
        XCTAssertEqual(
            ReportPage.runCommand(row, runs: runs, runsPath: "Results/runs"),
            "swift run bench run permuted-mnist/gem --seeds 0,1,2 --experiments 'my experiments' "
                + "--experiments /b --experiments 'it'\\''s' --out Results/runs")
        let shipped = handRuns().map { RunSummary($0) }.filter { $0.strategy == "naive" }
        XCTAssertEqual(
            ReportPage.runCommand(Summary.rows(shipped)[0], runs: shipped, runsPath: "my runs"),
            "swift run bench run permuted-mnist/naive --seeds 0 --out 'my runs'")
    }
}
