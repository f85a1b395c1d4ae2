import XCTest

@testable import Experiments

/// `Runner.trainingOrder`: longest first, and the runs of one task stream side by side.
final class TrainingOrderTests: XCTestCase {
    private func spec(_ method: MethodSpec, seed: Int, tasks: Int = 2) -> RunSpec {
        RunSpec(
            experiment: "e", strategy: method.name, seed: seed,
            benchmark: BenchmarkSpec(kind: .permuted, tasks: tasks, samplesPerTask: 100, testSamplesPerTask: 50),
            optimizer: OptimizerSpec(lr: 0.1, batchSize: 10, epochs: 1), method: method)
    }

    func testRunsOfOneStreamAreTakenTogetherLongestGroupFirst() {
        let gem = MethodSpec.gem(patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent)
        let plan = [
            spec(.naive, seed: 0, tasks: 1),  // 0: its own stream, the cheapest
            spec(.naive, seed: 0), spec(gem, seed: 0),  // 1, 2: one stream
            spec(.naive, seed: 1), spec(gem, seed: 1),
        ]  // 3, 4: another, as long
        XCTAssertGreaterThan(plan[2].estimatedCost.seconds, plan[1].estimatedCost.seconds)
        XCTAssertGreaterThan(plan[1].estimatedCost.seconds, plan[0].estimatedCost.seconds)
        // a plain longest-first order would interleave the streams: 2, 4, 1, 3, 0
        XCTAssertEqual(Runner.trainingOrder(plan), [2, 1, 4, 3, 0])
    }
}
