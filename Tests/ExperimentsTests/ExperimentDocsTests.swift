import Benchmarks
import Data
import Foundation
import Learning
import XCTest

@testable import Experiments

/// docs/experiments.md against the code: it named only MNIST, Fashion-MNIST and `mlp`, none of
/// the CIFAR and ResNet suites, and an outdated smoke run count. Every suite shipped must have a
/// row in its suites table with the run count the plan has; every dataset, benchmark kind,
/// scenario, model kind and section key must be named.
final class ExperimentDocsTests: XCTestCase {
    let doc: String = {
        let url = URL(fileURLWithPath: shippedExperimentsDirectory).deletingLastPathComponent()
            .appendingPathComponent("docs/experiments.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    func testEveryShippedSuiteHasARowWithItsRunCount() throws {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        let lines = doc.split(separator: "\n")
        for suite in registry.suiteNames {
            guard let row = lines.first(where: { $0.hasPrefix("| `\(suite)` |") }) else {
                XCTFail("docs/experiments.md has no row for the suite '\(suite)'")
                continue
            }
            let runs = row.split(separator: "|").last.map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(runs, String(try registry.plan(suite: suite).count), "runs of the suite '\(suite)'")
        }
    }

    func testEveryDatasetKindScenarioModelAndKeyIsNamed() {
        XCTAssertFalse(doc.isEmpty)
        let names =
            DatasetName.allCases.map(\.rawValue) + BenchmarkKind.allCases.map(\.rawValue)
            + Scenario.allCases.map(\.rawValue) + ModelList.all.map { $0.kind }
        for name in names { XCTAssertTrue(doc.contains("`\(name)`"), "docs/experiments.md does not name `\(name)`") }
        let keys =
            Keys.benchmark.map { "benchmark." + $0 } + Keys.model.map { "model." + $0 }
            + Keys.optimizer.map { "optimizer." + $0 }
        for key in keys { XCTAssertTrue(doc.contains("| `\(key)` |"), "docs/experiments.md has no row for `\(key)`") }
    }
}
