import Experiments
import XCTest

/// `RunSpec.estimatedCost` against FLOP counts worked out by hand for small MLP plans.
final class CostEstimateTests: XCTestCase {
    /// Permuted MNIST, 2 tasks of 100 training and 50 test samples, MLP 784-100-100-10, batch 10.
    private func spec(_ method: MethodSpec, epochs: Int = 1) -> RunSpec {
        RunSpec(
            experiment: "e", strategy: method.name, seed: 0,
            benchmark: BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 100, testSamplesPerTask: 50),
            optimizer: OptimizerSpec(lr: 0.1, batchSize: 10, epochs: epochs), method: method)
    }

    // P = 785·100 + 101·100 + 101·10 = 89 610 weights and biases; forward 2P, backward 4P per row.
    // The first layer's forward F1 = 2·785·100 = 157 000; MNIST's non-zero fraction 0.193.
    // Training: 2 tasks × 10 batches × 1 epoch = 20 steps. Evaluation: 3 × 2 tasks × 50 rows ×
    // (2P − F1·(1 − 0.193)) = 300 × (179 220 − 126 699) = 300 × 52 521, the first layer over non-zeros.
    private let evaluation = 300.0 * 52_521  // 15 756 300

    func testNaiveIsStepsTimesBatchTimesSixParameters() {
        let cost = spec(.naive).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 10 * 6 * 89_610)  // 107 532 000
        XCTAssertEqual(cost.methodFLOPs, 0)
        XCTAssertEqual(cost.evaluationFLOPs, evaluation, accuracy: 1e-6)
        XCTAssertEqual(cost.totalFLOPs, 123_288_300, accuracy: 1e-6)
    }

    func testEpochsMultiplyTrainingOnly() {
        let cost = spec(.naive, epochs: 3).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 3 * 107_532_000)
        XCTAssertEqual(cost.evaluationFLOPs, evaluation, accuracy: 1e-6)
    }

    // 20 patterns per task, 2 tasks: on average (20 · 1) / 2 = 10 memory rows beside the batch of 10.
    func testDirectDenseGEMPassesHalfThePastMemoriesFullyEveryStep() {
        let cost = spec(
            .gem(
                patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent,
                referenceGradients: .direct, sparseFirstLayer: false)
        ).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 10 * 6 * 89_610)
        XCTAssertEqual(cost.methodFLOPs, 20 * 10 * 6 * 89_610)
        XCTAssertEqual(cost.evaluationFLOPs, evaluation, accuracy: 1e-6)
    }

    func testDirectSparseGEMRunsTheMemoriesFirstLayerOverTheirNonZeros() {
        // per memory row 6P − 3·F1·(1 − 0.193) = 537 660 − 380 097 = 157 563
        let cost = spec(
            .gem(
                patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent,
                referenceGradients: .direct, sparseFirstLayer: true)
        ).estimatedCost
        XCTAssertEqual(cost.methodFLOPs, 20 * 10 * 157_563, accuracy: 1e-6)
    }

    func testIncrementalGEMPassesTheUpperLayersEveryStepAndTheFirstWhenItProjects() {
        // per memory row: the layers above the first 6P − 3·F1 = 66 660, and the first layer on half
        // the steps twice plus the resync every 25 steps: (2 · 0.5 + 1/25) · F1 · 0.193 = 31 513.04
        let sparse = spec(.gem(patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent)).estimatedCost
        XCTAssertEqual(sparse.methodFLOPs, 20 * 10 * 98_173.04, accuracy: 1e-3)
        let dense = spec(
            .gem(
                patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent,
                referenceGradients: .incremental, sparseFirstLayer: false)
        ).estimatedCost
        XCTAssertEqual(dense.methodFLOPs, 20 * 10 * (66_660 + 1.04 * 157_000), accuracy: 1e-3)
    }

    func testIndependentCountsOneTasksNarrowNetwork() {
        // each task's network is 784-50-50-10: 785·50 + 51·50 + 51·10 = 42 310 parameters, F1 = 78 500
        let cost = spec(.independent(warmStart: false)).estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 10 * 6 * 42_310)
        // evaluated: both tasks at the start and after task 0, task 1 alone after task 1 (task 0's
        // network no longer changes): 5 of the 3 × 2 entries, 250 rows
        XCTAssertEqual(cost.evaluationFLOPs, 250 * (84_620 - 78_500 * 0.807), accuracy: 1e-6)
    }

    func testMultimodalCountsOneTasksInputLayer() {
        // one task's input layer and the shared layers: the standard network's count, as naive
        XCTAssertEqual(spec(.multimodal).estimatedCost.totalFLOPs, 123_288_300, accuracy: 1e-6)
    }

    func testLwFAddsTheCopysForwardOnEveryTaskButTheFirst() {
        // the copy exists from task 2 on: half the 20 steps, 10 rows × 2P each
        let cost = spec(MethodSpec("lwf")!).estimatedCost
        XCTAssertEqual(cost.methodFLOPs, 20 * 5 * 2 * 89_610)
        XCTAssertEqual(cost.evaluationFLOPs, evaluation, accuracy: 1e-6)
    }

    func testPNNCountsTheEarlierColumnsAndTheLaterals() {
        // column 1 of 784-100-100-10 has 785·100 + 201·100 + 201·10 = 100 610 parameters; its
        // forward also runs column 0's hidden layers (785·100 + 101·100 = 88 600): 88 600 + 78 500
        // + 20 100 + 2 010 = 189 210 multiply-adds. Per row, task 0: 6P = 537 660; task 1:
        // 2 · 189 210 + 4 · 100 610 = 780 860; the mean beside one column's 6P: 121 600.
        let pnn = spec(MethodSpec("pnn")!)
        let cost = pnn.estimatedCost
        XCTAssertEqual(cost.trainingFLOPs, 20 * 10 * 6 * 89_610)
        XCTAssertEqual(cost.methodFLOPs, 20 * 10 * 121_600)
        // evaluation: every test row densely through its own column (2 · 89 610 and 2 · 189 210 per
        // row), task 0 at the start and after task 0, task 1 also after task 1: 50 rows × (2 · 179 220
        // + 3 · 378 420)
        XCTAssertEqual(cost.evaluationFLOPs, 50 * (2 * 179_220 + 3 * 378_420))
        // memory: every column's parameters and gradients (89 610 + 100 610 each) and the larger one's momentum
        let model = pnn.memoryEstimate.parts.first { $0.name == "model" }!.bytes
        XCTAssertEqual(model, 4 * (2 * 190_220 + 100_610), accuracy: 1e-6)
    }

    func testSecondsFollowTheStatedRates() {
        let cost = spec(.gem(patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent)).estimatedCost
        XCTAssertEqual(cost.rates, CostEstimate.Rates(minibatch: 12e9, bulk: 18e9))
        XCTAssertEqual(cost.seconds, 107_532_000 / 12e9 + (20 * 10 * 98_173.04 + evaluation) / 18e9, accuracy: 1e-9)
    }

    func testTextShowsFLOPsAndHours() {
        XCTAssertEqual(formatFLOPs(161_298_000), "161 MFLOP")
        XCTAssertEqual(formatFLOPs(1.84e12), "1.8 TFLOP")
        XCTAssertEqual(formatDuration(59), "<1 min")
        XCTAssertEqual(formatDuration(720), "12 min")
        XCTAssertEqual(formatDuration(3569), "59 min")
        XCTAssertEqual(formatDuration(3571), "1.0 h")
        XCTAssertEqual(formatDuration(5400), "1.5 h")
        XCTAssertEqual(formatDuration(36 * 3600), "36 h")
    }

    func testDryRunShowsACostColumnAndTheTotalToTrain() {
        let naive = spec(.naive)
        let gem = spec(.gem(patternsPerExperience: 20, memoryStrength: 0.5, memorySelection: .recent))
        let text = renderPlan([naive, gem]) { $0.strategy == "naive" ? .skipComplete : .run }
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].contains(" COST "), lines[0])
        XCTAssertTrue(lines[1].contains(" 123 MFLOP ~<1 min "), lines[1])
        // only GEM trains: 107 532 000 + 19 634 608 + 15 756 300 = 142 922 908
        XCTAssertTrue(lines[3].hasPrefix("2 runs (1 run, 1 skip); to train: 143 MFLOP ~"), lines[3])
    }
}
