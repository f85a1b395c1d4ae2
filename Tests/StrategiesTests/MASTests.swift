import Benchmarks
import Foundation
import Learning
import TestSupport
import XCTest

@testable import Strategies

final class MASTests: XCTestCase {
    /// After each task but the last: Ω_task = mean over samples of |∂‖z‖²/∂θ| (groups of one) or
    /// the mean over samples of the absolute gradient of each group's sum (groups of two), merged
    /// as Ω ← α Ω + (1 − α) Ω_task; the anchor is the parameters after the task.
    func testImportanceIsTheMeanAbsoluteGradientOfTheOutputsSquaredNorm() throws {
        for group in [1, 2] {
            let (lambda, alpha, lr) = (0.5, 0.25, 0.5)
            let mas = MASPlugin(lambda: Float(lambda), alpha: alpha, importanceBatch: group)
            let trainer = Tiny.trainer(mas, tasks: 3, epochs: 2, lr: Float(lr), seed: 4)
            var theta = trainer.network.parameters.array.map(Double.init)
            _ = try trainer.run()
            var omega = [Double](repeating: 0, count: Tiny.count)
            var anchor = theta
            var penaltyOmega = omega
            for task in trainer.stream.tasks {
                let data = task.train.materialized
                for _ in 0..<2 {
                    let g = Tiny.lossGradient(theta, data)
                    let p = Tiny.penaltyGradient(lambda, penaltyOmega, theta, anchor)
                    theta = (0..<Tiny.count).map { theta[$0] - lr * (g[$0] + p[$0]) }
                }
                guard task.index < 2 else { break }  // nothing trains after the last task
                let perSample = (0..<2).map { Tiny.outputNormGradient(theta, Double(data.inputs[$0])) }
                let taskOmega = (0..<Tiny.count).map { i in
                    group == 1
                        ? (perSample[0][i].magnitude + perSample[1][i].magnitude) / 2
                        : (perSample[0][i] + perSample[1][i]).magnitude / 2
                }
                omega = (0..<Tiny.count).map { alpha * omega[$0] + (1 - alpha) * taskOmega[$0] }
                (penaltyOmega, anchor) = (omega, theta)
            }
            assertClose(trainer.network.parameters.array, theta, "θ, groups of \(group)")
            assertClose(mas.penalty.importance, omega, "Ω, groups of \(group)")
        }
    }

    /// Task-incremental: ‖f(x)‖² is over the row's own head, so another head's parameters get
    /// no importance from the task.
    func testATaskIncrementalRowCountsOnlyItsOwnHead() throws {
        var rng = RandomStream(seed: 5)
        let tasks = (0..<2).map { t in
            BenchmarkTask(
                index: t,
                train: LabeledData(
                    inputs: [0.5, -1], labels: [Int32(2 * t), Int32(2 * t + 1)],
                    tasks: [Int32(t), Int32(t)], width: 1),
                test: LabeledData(inputs: [1], labels: [Int32(2 * t)], tasks: [Int32(t)], width: 1),
                classes: [2 * t, 2 * t + 1])
        }
        let stream = TaskStream(name: "ti", scenario: .taskIncremental, tasks: tasks, inputShape: [1], classCount: 4)
        let mas = MASPlugin(lambda: 1, alpha: 0, importanceBatch: 1)
        let trainer = Trainer(
            network: Network.mlp([1, 4], rng: &rng), stream: stream,
            settings: TrainingSettings(learningRate: 0.1, batchSize: 2), seed: 5, plugins: [mas])
        let importance = mas.importance(trainer, tasks[0].train)
        let theta = trainer.network.parameters.array.map(Double.init)  // [w0…w3, b0…b3]
        var truth = [Double](repeating: 0, count: 8)
        for x in [0.5, -1.0] {
            for c in 0..<2 {  // task 0's head: classes 0 and 1
                let z = theta[c] * x + theta[4 + c]
                truth[c] += (2 * z * x).magnitude / 2
                truth[4 + c] += (2 * z).magnitude / 2
            }
        }
        assertClose(importance, truth, "Ω of task 0")
        XCTAssertEqual(importance[2...3] + importance[6...7], [0, 0, 0, 0])
    }

    /// The importance pass runs in eval mode: batch norm's running statistics are left as they were.
    func testTheImportancePassLeavesLayerStateAlone() throws {
        var rng = RandomStream(seed: 6)
        let net = try Network.reducedResNet18(channels: 1, height: 28, width: 28, classes: 3, nf: 2, rng: &rng)
        let data = LabeledData(
            inputs: (0..<(4 * 784)).map { _ in rng.unitFloat() }, labels: [0, 1, 2, 0],
            tasks: [0, 0, 0, 0], width: 784)
        let task = BenchmarkTask(index: 0, train: data, test: data, classes: [0, 1, 2])
        let stream = TaskStream(
            name: "s", scenario: .domainIncremental, tasks: [task, task], inputShape: [1, 28, 28],
            classCount: 3)
        let mas = MASPlugin(lambda: 1, alpha: 0.5, importanceBatch: 2)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 2),
            seed: 6, plugins: [mas])
        let state = net.state.array
        let importance = mas.importance(trainer, task.train)
        XCTAssertEqual(net.state.array, state)
        XCTAssertEqual(net.mode, .train)
        XCTAssertTrue(importance.contains { $0 > 0 } && importance.allSatisfy { $0 >= 0 && $0.isFinite })
    }
}
