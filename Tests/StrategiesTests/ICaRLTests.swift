import Benchmarks
import Learning
import TestSupport
import XCTest

@testable import Strategies

final class ICaRLTests: XCTestCase {
    /// Features 0, 3, 4.5, 10 (mean 4.375). k = 1: 4.5 is nearest. k = 2: (3 + 4.5)/2 = 3.75 is
    /// 0.625 away, (0 + 4.5)/2 = 2.25 is 2.125, (10 + 4.5)/2 = 7.25 is 2.875 → 3. k = 3: (10 + 7.5)/3
    /// = 5.83 is 1.458 away, (0 + 7.5)/3 = 2.5 is 1.875 → 10, although 0 is nearer the mean than 10.
    func testHerdingPicksTheRowThatBringsTheRunningMeanClosest() {
        XCTAssertEqual(ICaRLPlugin.herding(features: [0, 3, 4.5, 10], width: 1, count: 4), [2, 1, 3, 0])
        XCTAssertEqual(ICaRLPlugin.herding(features: [0, 3, 4.5, 10], width: 1, count: 2), [2, 1])
        // 2-D, mean (0.6, 0.6): (0.6, 0.8) and (0.8, 0.6) tie at 0.04 → the lower row; then (0.8, 0.6)
        // makes the mean (0.7, 0.7); then (1, 0) and (0, 1) tie at 0.0578 → row 0; asking for more than n gives n
        XCTAssertEqual(
            ICaRLPlugin.herding(features: [1, 0, 0, 1, 0.6, 0.8, 0.8, 0.6], width: 2, count: 9), [2, 3, 0, 1])
    }

    func testNearestMeanOfExemplarsByHand() {
        let means: [Int: [Float]] = [0: [1, 0], 1: [0, 1], 3: [-1, 0]]
        // (0.9, 0.1): 0.02 to class 0 → 0. (−0.6, 0.5): 2.81 to 0, 0.61 to 1, 0.41 to 3 → 3; without 3 → 1
        var predictions = [Int32](repeating: -1, count: 2)
        ICaRLPlugin.nearestMean(
            features: [0.9, 0.1, -0.6, 0.5], width: 2, means: means, rows: 2,
            allowed: { _, _ in true }, into: &predictions)
        XCTAssertEqual(predictions, [0, 3])
        ICaRLPlugin.nearestMean(
            features: [0.9, 0.1, -0.6, 0.5], width: 2, means: means, rows: 2,
            allowed: { _, c in c != 3 }, into: &predictions)
        XCTAssertEqual(predictions, [0, 1])
        XCTAssertEqual(ICaRLPlugin.normalised([3, 4, 0, 0], width: 2), [0.6, 0.8, 0, 0])
    }

    /// The distillation term and its logit gradient against a float64 recomputation and central
    /// differences; classes that are not old get no gradient.
    func testDistillationIsSigmoidCrossEntropyOnTheOldClassesWithItsGradient() {
        let rows = 3
        let classes = 4
        let old = [0, 2]
        var rng = RandomStream(seed: 9)
        let z = (0..<(rows * classes)).map { _ in 4 * rng.unitFloat() - 2 }
        let previous = (0..<(rows * classes)).map { _ in 4 * rng.unitFloat() - 2 }
        func reference(_ z: [Double]) -> Double {
            var total = 0.0
            for r in 0..<rows {
                for c in old {
                    let p = 1 / (1 + exp(-z[r * classes + c]))
                    let q = 1 / (1 + exp(-Double(previous[r * classes + c])))
                    total -= q * log(p) + (1 - q) * log(1 - p)
                }
            }
            return 0.5 * total / Double(rows)
        }
        var gradient = [Float](repeating: 0, count: rows * classes)
        let loss = ICaRLPlugin.distillationLoss(
            logits: z, previousLogits: previous, rows: rows, classes: classes,
            oldClasses: old, weight: 0.5, gradient: &gradient)
        XCTAssertEqual(loss, reference(z.map(Double.init)), accuracy: 1e-5)
        for i in 0..<(rows * classes) {
            let numeric = centralDifference(h: 1e-4) { d in
                var moved = z.map(Double.init)
                moved[i] += d
                return reference(moved)
            }
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-4, "logit \(i)")
            if !old.contains(i % classes) { XCTAssertEqual(gradient[i], 0) }
        }
    }

    /// Two class-incremental tasks of two classes, memory 8: 4 exemplars per class after task 0,
    /// then 2 (the first two of each old set, herding order kept); evaluation uses the class means.
    func testExemplarSetsShrinkAsClassesArrive() throws {
        var rng = RandomStream(seed: 2)
        let tasks = (0..<2).map { t -> BenchmarkTask in
            func data() -> LabeledData {
                LabeledData(
                    inputs: (0..<(12 * 5)).map { _ in 2 * rng.unitFloat() - 1 },
                    labels: (0..<12).map { Int32(2 * t + $0 % 2) }, tasks: [Int32](repeating: Int32(t), count: 12),
                    width: 5)
            }
            return BenchmarkTask(index: t, train: data(), test: data(), classes: [2 * t, 2 * t + 1])
        }
        let stream = TaskStream(
            name: "tiny-split", scenario: .classIncremental, tasks: tasks, inputShape: [5], classCount: 4)
        var initRNG = RandomStream(seed: 2)
        let net = Network.mlp([5, 6, 4], rng: &initRNG)
        var copyRNG = RandomStream(seed: 3)
        let icarl = ICaRLPlugin(
            memorySize: 8, replayBatchSize: 3, distillation: 1,
            previousModel: Network.mlp([5, 6, 4], rng: &copyRNG), seed: 2)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 4),
            seed: 2, plugins: [icarl])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: tasks[0], of: 2, progress: nil, into: &result)
        XCTAssertEqual(icarl.exemplars.keys.sorted(), [0, 1])
        XCTAssertEqual(icarl.exemplars.values.map(\.count), [4, 4])
        let first = icarl.exemplars
        try trainer.train(on: tasks[1], of: 2, progress: nil, into: &result)
        XCTAssertEqual(icarl.exemplars.keys.sorted(), [0, 1, 2, 3])
        for c in 0..<4 { XCTAssertEqual(icarl.exemplars[c]!.count, 2) }
        for c in 0..<2 { XCTAssertEqual(icarl.exemplars[c]!.inputs, Array(first[c]!.inputs[0..<10])) }
        XCTAssertEqual(icarl.episodicMemory?.labels, [0, 0, 1, 1, 2, 2, 3, 3])
        // prediction is the nearest class mean of the normalised features, recomputed here
        let test = tasks[1].test.materialized
        net.mode = .eval
        net.forward(test.inputs, rows: test.count)
        let phi = ICaRLPlugin.normalised(net.lastHiddenOutput(rows: test.count), width: 6)
        var expected = [Int32](repeating: -1, count: test.count)
        ICaRLPlugin.nearestMean(
            features: phi, width: 6, means: icarl.classMeans, rows: test.count,
            allowed: { _, _ in true }, into: &expected)
        net.mode = .train
        let accuracy = Double(zip(expected, test.labels).filter { $0 == $1 }.count) / Double(test.count)
        XCTAssertEqual(trainer.evaluate(tasks[1]), accuracy, accuracy: 1e-12)
    }

    func testRefusedOutsideSplitBenchmarks() {
        func context(_ scenario: Scenario) -> StrategyContext {
            StrategyContext(
                tasks: 3, samplesPerTask: 100, availablePerTask: nil, batchSize: 10, momentum: 0,
                scenario: scenario, model: .mlp(hidden: [10]))
        }
        let values = StrategyValues([
            ("memory_size", .int(100)), ("replay_batch_size", .int(10)),
            ("distillation", .double(1)),
        ])
        XCTAssertEqual(ICaRL.validate(values, in: context(.classIncremental)), [])
        XCTAssertEqual(ICaRL.validate(values, in: context(.taskIncremental)), [])
        let problems = ICaRL.validate(values, in: context(.domainIncremental))
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].message.contains("needs a split benchmark"), problems[0].message)
    }
}
