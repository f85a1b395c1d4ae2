import Benchmarks
import Foundation
import Learning
import TestSupport
import XCTest

@testable import Strategies

/// Each penalty's gradient, as `afterBackward` adds it, against central differences of
/// λ Σ_i Ω_i (θ_i − θ*_i)² with Ω the plugin's and θ* the parameters after the task.
final class RegularisationPenaltyTests: XCTestCase {
    private func checkPenaltyGradient(_ plugin: Plugin, lambda: Double, importance: () -> [Float]) throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 8)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 8, plugins: [plugin])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        plugin.beforeTraining(trainer)
        try trainer.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        let anchor = net.parameters.array.map(Double.init)
        let omega = importance().map(Double.init)
        XCTAssertTrue(omega.contains { $0 > 0 }, "\(type(of: plugin))")
        for i in 0..<net.parameterCount { net.parameters[i] += Float(i % 7 - 3) * 0.02 }
        let theta = net.parameters.array.map(Double.init)
        func penalty(_ theta: [Double]) -> Double {
            var sum = 0.0
            for i in 0..<theta.count {
                let d: Double = theta[i] - anchor[i]
                sum += omega[i] * d * d
            }
            return lambda * sum
        }
        net.gradients.fill(0)
        plugin.afterBackward(trainer)
        for i in 0..<theta.count {
            let expected = centralDifference(h: 1e-4) { d in
                var moved = theta
                moved[i] += d
                return penalty(moved)
            }
            XCTAssertEqual(
                Double(net.gradients[i]), expected, accuracy: 1e-4 * max(1, abs(expected)),
                "\(type(of: plugin)) parameter \(i)")
        }
    }

    func testSIPenaltyGradient() throws {
        let si = SIPlugin(lambda: 0.7, xi: 1e-3)
        try checkPenaltyGradient(si, lambda: 0.7) { si.penalty.importance }
    }

    func testMASPenaltyGradient() throws {
        let mas = MASPlugin(lambda: 0.7, alpha: 0.5, importanceBatch: 1)
        try checkPenaltyGradient(mas, lambda: 0.7) { mas.penalty.importance }
    }

    func testRWalkPenaltyGradient() throws {
        let rwalk = RWalkPlugin(lambda: 0.7, alpha: 0.9, deltaT: 2, xi: 1e-3)
        try checkPenaltyGradient(rwalk, lambda: 0.7) { rwalk.penalty.importance }
    }
}
