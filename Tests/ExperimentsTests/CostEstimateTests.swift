import Experiments
import XCTest

/// `RunSpec.estimatedCost` against FLOP counts worked out by hand for small MLP plans.
final class CostEstimateTests: XCTestCase {
    /// Permuted MNIST, 2 tasks of 100 training and 50 test samples, MLP 784-100-100-10, batch 10.
    private func spec(_ method: MethodSpec, epochs: Int = 1) -> RunSpec {
        RunSpec(experiment: "e", strategy: method.name, seed: 0,
                benchmark: BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 100, testSamplesPerTask: 50),
                optimizer: OptimizerSpec(lr: 0.1, batchSize: 10, epochs: epochs), method: method)
    }

    // P = 785·100 + 101·100 + 101·10 = 89 610 weights and biases; forward 2P, backward 4P per row.
    // Training: 2 tasks × 10 batches × 1 epoch = 20 steps. Evaluation: 3 × 2 tasks × 50 rows × 2P.
    private let evaluation = 3.0 * 2 * 50 * 2 * 89_610  // 53 766 000

    func testNaiveIsStepsTimesBatchTimesSixParameters() {
        let cost = spec(.naive).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 10 * 6 * 89_610)  // 107 532 000
        XCTAssertEqual(cost.evaluationFLOPs, evaluation)
        XCTAssertEqual(cost.totalFLOPs, 161_298_000)
    }

    func testEpochsMultiplyTrainingOnly() {
        let cost = spec(.naive, epochs: 3).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 3 * 107_532_000)
        XCTAssertEqual(cost.evaluationFLOPs, evaluation)
    }

    func testGEMAddsHalfThePastMemoriesPerStep() {
        // 20 patterns per task, 2 tasks: on average (20 · 1) / 2 = 10 memory rows beside the batch of 10
        let cost = spec(.gem(patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent)).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 20 * 6 * 89_610)
        XCTAssertEqual(cost.evaluationFLOPs, evaluation)
    }

    func testIndependentCountsOneTasksNarrowNetwork() {
        // each task's network is 784-50-50-10: 785·50 + 51·50 + 51·10 = 42 310 parameters
        let cost = spec(.independent(warmStart: false)).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 10 * 6 * 42_310)
        XCTAssertEqual(cost.evaluationFLOPs, 3.0 * 2 * 50 * 2 * 42_310)
    }

    func testMultimodalCountsOneInputLayer() {
        XCTAssertEqual(spec(.multimodal).estimatedCost.totalFLOPs, 161_298_000)
    }

    func testSecondsFollowTheStatedRate() {
        let cost = spec(.naive).estimatedCost
        XCTAssertEqual(cost.seconds, 161_298_000 / cost.flopsPerSecond, accuracy: 1e-12)
    }

    func testTextShowsFLOPsAndHours() {
        XCTAssertEqual(formatFLOPs(161_298_000), "161 MFLOP")
        XCTAssertEqual(formatFLOPs(1.84e12), "1.8 TFLOP")
        XCTAssertEqual(formatHours(720), "0.2 h")
        XCTAssertEqual(formatHours(36 * 3600), "36 h")
        XCTAssertEqual(formatHours(60), "<0.1 h")
    }

    func testDryRunShowsACostColumnAndTheTotalToTrain() {
        let naive = spec(.naive), gem = spec(.gem(patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent))
        let text = renderPlan([naive, gem]) { $0.strategy == "naive" ? .skipComplete : .run }
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].contains(" COST "), lines[0])
        XCTAssertTrue(lines[1].contains(" 161 MFLOP ~<0.1 h "), lines[1])
        // only GEM trains: 215 064 000 + 53 766 000 = 268 830 000
        XCTAssertTrue(lines[3].hasPrefix("2 runs (1 run, 1 skip); to train: 269 MFLOP ~"), lines[3])
    }
}
