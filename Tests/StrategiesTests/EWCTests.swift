import Benchmarks
import Learning
import QuadraticProgram
import TestSupport
import XCTest

@testable import Strategies

final class EWCPluginTests: XCTestCase {
    func testPenaltyGradientIsTwoLambdaFisherTimesDistanceFromTheAnchor() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 3)
        let net = Network.mlp([6, 3], rng: &rng)
        let ewc = EWCPlugin(patternsPerExperience: 20, lambda: 3, seed: 3)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 3, plugins: [ewc])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        let anchor = net.parameters.array
        // the Fisher of the GEM reference code: the squared mean-loss gradient over the stored samples
        let data = stream.tasks[0].train.materialized
        net.gradients.fill(0)
        var dLogits = [Float](repeating: 0, count: 60)
        _ = SoftmaxCrossEntropy.lossAndGradient(
            logits: net.forward(data.inputs, rows: 20), labels: data.labels,
            rows: 20, classes: 3, scale: 0.05, gradient: &dLogits)
        net.backward(dLogits)
        let fisher = net.gradients.array.map { $0 * $0 }
        // move the parameters, zero the gradient: the plugin adds exactly 2λF(θ − θ*)
        for i in 0..<net.parameterCount { net.parameters[i] += Float(i % 5) * 0.01 }
        net.gradients.fill(0)
        ewc.afterBackward(trainer)
        for i in 0..<net.parameterCount {
            let expected = 2 * 3 * fisher[i] * (net.parameters[i] - anchor[i])
            XCTAssertEqual(net.gradients[i], expected, accuracy: 1e-6 * max(1, abs(expected)))
        }
    }
}

final class EWCTwoTaskTests: XCTestCase {
    /// After two tasks the penalty gradient is 2λ Σ_k F_k (θ − θ*_k), with F_k the squared
    /// mean-loss gradient of task k's samples at θ*_k (finite differences, not the plugin's pass).
    func testPenaltySumsOverEveryPastTask() throws {
        let stream = syntheticStream(tasks: 3, samples: 10)
        var rng = RandomStream(seed: 35)
        let net = Network.mlp([6, 3], rng: &rng)
        let ewc = EWCPlugin(patternsPerExperience: 10, lambda: 2, seed: 5)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 5, plugins: [ewc])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        var anchors: [[Float]] = []
        var fishers: [[Double]] = []
        for t in 0..<2 {
            try trainer.train(on: stream.tasks[t], of: 3, progress: nil, into: &result)
            anchors.append(net.parameters.array)
            let data = stream.tasks[t].train.materialized  // all 10 samples are the stored ones
            let heads = OutputHeads(classCount: 3, classesPerTask: [[0, 1, 2], [0, 1, 2], [0, 1, 2]])
            fishers.append(finiteDifferences(net) { maskedMeanLoss(net, data, heads: heads) }.map { $0.1 * $0.1 })
        }
        for i in 0..<net.parameterCount { net.parameters[i] += Float(i % 3) * 0.02 }
        net.gradients.fill(0)
        ewc.afterBackward(trainer)
        for i in 0..<net.parameterCount {
            var expected = 0.0
            for k in 0..<2 { expected += 2 * 2 * fishers[k][i] * Double(net.parameters[i] - anchors[k][i]) }
            XCTAssertEqual(
                Double(net.gradients[i]), expected, accuracy: 1e-3 * max(1e-3, abs(expected)), "parameter \(i)")
        }
    }

    /// The empirical Fisher is the mean of per-sample squared gradients, not the square of the mean.
    func testEmpiricalFisherAveragesPerSampleSquares() throws {
        let stream = syntheticStream(tasks: 2, samples: 8)
        var rng = RandomStream(seed: 36)
        let net = Network.mlp([6, 3], rng: &rng)
        let ewc = EWCPlugin(patternsPerExperience: 8, lambda: 1, fisher: .empirical, seed: 6)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 4),
            seed: 6, plugins: [ewc])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        let anchor = net.parameters.array
        let data = stream.tasks[0].train.materialized
        let heads = OutputHeads(classCount: 3, classesPerTask: [[0, 1, 2], [0, 1, 2]])
        var fisher = [Double](repeating: 0, count: net.parameterCount)
        for r in 0..<8 {
            let one = data.rows([r])
            for (i, g) in finiteDifferences(net, { maskedMeanLoss(net, one, heads: heads) }) { fisher[i] += g * g / 8 }
        }
        for i in 0..<net.parameterCount { net.parameters[i] += 0.05 }
        net.gradients.fill(0)
        ewc.afterBackward(trainer)
        for i in 0..<net.parameterCount {
            let expected = 2 * fisher[i] * Double(net.parameters[i] - anchor[i])
            XCTAssertEqual(
                Double(net.gradients[i]), expected, accuracy: 1e-3 * max(1e-3, abs(expected)), "parameter \(i)")
        }
    }
}
