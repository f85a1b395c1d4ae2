import Benchmarks
import Learning
import Metrics
import XCTest

@testable import Evaluation

final class ContinualMetricsTests: XCTestCase {
    func testThreeTaskMetricsMatchHandComputation() {
        let r = [
            [0.90, 0.12, 0.08],
            [0.70, 0.95, 0.15],
            [0.60, 0.80, 0.97],
        ]
        let b = [0.10, 0.11, 0.09]
        let m = ContinualMetrics(accuracy: r, randomInit: b)
        // ACC = (0.60 + 0.80 + 0.97) / 3 = 0.79
        XCTAssertEqual(m.acc, 0.79, accuracy: 1e-12)
        // BWT = ((0.60 − 0.90) + (0.80 − 0.95)) / 2 = −0.225
        XCTAssertEqual(m.bwt!, -0.225, accuracy: 1e-12)
        // FWT = ((0.12 − 0.11) + (0.15 − 0.09)) / 2 = 0.035
        XCTAssertEqual(m.fwt!, 0.035, accuracy: 1e-12)
        // forgetting = ((0.90 − 0.60) + (0.95 − 0.80)) / 2 = 0.225
        XCTAssertEqual(m.forgetting!, 0.225, accuracy: 1e-12)
        // The GEM code's means over all T = 3 tasks (a zero term each): −0.45 / 3 and 0.07 / 3
        XCTAssertEqual(m.bwtOverAllTasks!, -0.15, accuracy: 1e-12)
        XCTAssertEqual(m.fwtOverAllTasks!, 0.07 / 3, accuracy: 1e-12)
    }

    func testForgettingTakesTheBestEarlierAccuracyNotTheOneJustAfterTraining() {
        // Task 0 peaks after task 1 (0.9), not after task 0 (0.5): forgetting uses the peak, BWT does not.
        let r = [
            [0.5, 0.0, 0.0],
            [0.9, 0.8, 0.0],
            [0.4, 0.8, 0.7],
        ]
        let m = ContinualMetrics(accuracy: r, randomInit: [0, 0, 0])
        // forgetting = ((0.9 − 0.4) + (0.8 − 0.8)) / 2 = 0.25; BWT = ((0.4 − 0.5) + 0) / 2 = −0.05
        XCTAssertEqual(m.forgetting!, 0.25, accuracy: 1e-12)
        XCTAssertEqual(m.bwt!, -0.05, accuracy: 1e-12)
        XCTAssertEqual(m.bwtOverAllTasks!, -0.1 / 3, accuracy: 1e-12)
    }

    func testLearningCurveAreaIsTheMeanOverTasksAndFirstMinibatches() {
        // Z_0 = (0.1 + 0.3) / 2 = 0.2, Z_1 = (0.5 + 0.7) / 2 = 0.6, Z_2 = (0.6 + 0.8) / 2 = 0.7 → LCA = 1.5 / 3
        XCTAssertEqual(ContinualMetrics.learningCurveArea([[0.1, 0.5, 0.6], [0.3, 0.7, 0.8]])!, 0.5, accuracy: 1e-12)
        XCTAssertNil(ContinualMetrics.learningCurveArea([]))
    }

    func testJointTrainingsSingleRowHasAccuracyButNoTransfer() {
        let m = ContinualMetrics(accuracy: [[0.9, 0.7, 0.8]], randomInit: [0.1, 0.1, 0.1])
        XCTAssertEqual(m.acc, 0.8, accuracy: 1e-12)
        XCTAssertNil(m.bwt)
        XCTAssertNil(m.fwt)
        XCTAssertNil(m.forgetting)
        XCTAssertNil(m.bwtOverAllTasks)
    }

    func testOneTaskHasAccuracyButNoTransfer() {
        let m = ContinualMetrics(accuracy: [[0.8]], randomInit: [0.1])
        XCTAssertEqual(m.acc, 0.8)
        XCTAssertNil(m.bwt)
        XCTAssertNil(m.fwt)
    }

    func testEvaluatorCountsCorrectPredictionsWithinHeads() {
        // One linear layer with hand-set weights: logit c = x·w_c. Inputs pick the class.
        var rng = RandomStream(seed: 0)
        let net = Network(layers: [Linear(2, 4)], rng: &rng)
        // W rows: class0 = (1, 0), class1 = (0, 1), class2 = (2, 0), class3 = (0, 2); bias 0
        let w: [Float] = [1, 0, 0, 1, 2, 0, 0, 2, 0, 0, 0, 0]
        for i in 0..<w.count { net.parameters[i] = w[i] }
        // rows: (1,0) → class 2 overall, class 0 within head {0,1}; (0,1) → 3 overall, 1 within {0,1}
        let data = LabeledData(inputs: [1, 0, 0, 1, 1, 0], labels: [0, 1, 2], tasks: [0, 0, 1], width: 2)
        let heads = OutputHeads(classCount: 4, classesPerTask: [[0, 1], [2, 3]])
        let evaluator = AccuracyEvaluator(batchSize: 2)
        XCTAssertEqual(evaluator.accuracies(of: net, on: [TaskSamples(data)], heads: heads), [1.0])
        XCTAssertEqual(evaluator.accuracies(of: net, on: [TaskSamples(data)])[0], 1.0 / 3.0, accuracy: 1e-12)
    }
}
