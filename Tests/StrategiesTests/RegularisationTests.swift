import Foundation
import XCTest
import Benchmarks
import Learning
@testable import Strategies

// SI, MAS and RWalk checked against a second implementation in Double of what their papers and
// the A-GEM code define, on a model small enough to follow by hand: one linear layer from one
// input to three classes, θ = [w0, w1, w2, b0, b1, b2], z_c = w_c x + b_c, trained with plain SGD
// (or momentum) on two samples per task in minibatches of both (each step's gradient is the
// mean over the task).

/// The tiny model in Double.
private enum Tiny {
    static let classes = 3, count = 6

    static func logits(_ theta: [Double], _ x: Double) -> [Double] { (0..<classes).map { theta[$0] * x + theta[classes + $0] } }

    /// ∇ of the mean softmax cross-entropy over `data`.
    static func lossGradient(_ theta: [Double], _ data: LabeledData) -> [Double] {
        var g = [Double](repeating: 0, count: count)
        for r in 0..<data.count {
            let x = Double(data.inputs[r]), y = Int(data.labels[r])
            let z = logits(theta, x)
            let e = z.map { Foundation.exp($0 - z.max()!) }
            let sum = e.reduce(0, +)
            for c in 0..<classes {
                let dz = (e[c] / sum - (c == y ? 1 : 0)) / Double(data.count)
                g[c] += dz * x
                g[classes + c] += dz
            }
        }
        return g
    }

    /// ∇ of ‖z(x)‖² = Σ_c z_c² for one input.
    static func outputNormGradient(_ theta: [Double], _ x: Double) -> [Double] {
        let dz = logits(theta, x).map { 2 * $0 }
        return dz.map { $0 * x } + dz
    }

    /// The penalty's gradient 2λ Ω (θ − θ*).
    static func penaltyGradient(_ lambda: Double, _ omega: [Double], _ theta: [Double], _ anchor: [Double]) -> [Double] {
        (0..<count).map { 2 * lambda * omega[$0] * (theta[$0] - anchor[$0]) }
    }

    /// A trainer of the tiny model over `tasks` tasks of two samples each, batches of both.
    static func trainer(_ plugin: Plugin, tasks: Int = 2, epochs: Int, lr: Float, momentum: Float = 0,
                        seed: UInt64) -> Trainer {
        let stream = syntheticStream(tasks: tasks, samples: 2, width: 1, classes: classes, seed: seed)
        var rng = RandomStream(seed: seed)
        let net = Network.mlp([1, classes], rng: &rng)
        var settings = TrainingSettings(learningRate: lr, batchSize: 2, epochs: epochs, momentum: momentum)
        settings.threads = 1
        return Trainer(network: net, stream: stream, settings: settings, seed: seed, plugins: [plugin])
    }
}

private func assertClose(_ ours: [Float], _ truth: [Double], relative: Double = 1e-4, _ what: String,
                         file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(ours.count, truth.count, what, file: file, line: line)
    for (i, (a, b)) in zip(ours, truth).enumerated() {
        XCTAssertEqual(Double(a), b, accuracy: relative * max(1, abs(b)), "\(what) [\(i)]", file: file, line: line)
    }
}

final class SITests: XCTestCase {
    /// Two tasks of four steps with momentum: ω = Σ −g Δθ with g the loss gradient alone and Δθ
    /// the applied update (momentum and, in the second task, the penalty's part included),
    /// Ω += max(0, ω / (Δ² + ξ)); momentum carries some parameters uphill, so shares are clipped.
    func testImportanceIsThePathIntegralOverTheSquaredDistanceDamped() throws {
        let (c, xi, lr, mu) = (0.5, 1e-3, 0.3, 0.9)
        let si = SIPlugin(lambda: Float(c), xi: Float(xi))
        let trainer = Tiny.trainer(si, epochs: 4, lr: Float(lr), momentum: Float(mu), seed: 3)
        var theta = trainer.network.parameters.array.map(Double.init)
        _ = try trainer.run()
        var anchor = theta, omega = [Double](repeating: 0, count: Tiny.count), velocity = omega, clipped = 0
        for task in trainer.stream.tasks {
            let data = task.train.materialized
            var path = [Double](repeating: 0, count: Tiny.count)
            for _ in 0..<4 {
                let g = Tiny.lossGradient(theta, data), p = Tiny.penaltyGradient(c, omega, theta, anchor)
                velocity = (0..<Tiny.count).map { mu * velocity[$0] + g[$0] + p[$0] }
                let next = (0..<Tiny.count).map { theta[$0] - lr * velocity[$0] }
                for i in 0..<Tiny.count { path[i] -= g[i] * (next[i] - theta[i]) }
                theta = next
            }
            for i in 0..<Tiny.count {
                let share = path[i] / ((theta[i] - anchor[i]) * (theta[i] - anchor[i]) + xi)
                if share > 0 { omega[i] += share } else { clipped += 1 }
            }
            anchor = theta
        }
        assertClose(trainer.network.parameters.array, theta, "θ")
        assertClose(si.penalty.importance, omega, "Ω")
        assertClose(si.penalty.weightedAnchor, (0..<Tiny.count).map { omega[$0] * anchor[$0] }, "Ω ∘ θ*")
        XCTAssertGreaterThan(omega.filter { $0 > 0 }.count, 1)
        XCTAssertGreaterThan(clipped, 0)
    }
}

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
            var omega = [Double](repeating: 0, count: Tiny.count), anchor = theta, penaltyOmega = omega
            for task in trainer.stream.tasks {
                let data = task.train.materialized
                for _ in 0..<2 {
                    let g = Tiny.lossGradient(theta, data), p = Tiny.penaltyGradient(lambda, penaltyOmega, theta, anchor)
                    theta = (0..<Tiny.count).map { theta[$0] - lr * (g[$0] + p[$0]) }
                }
                guard task.index < 2 else { break }  // nothing trains after the last task
                let perSample = (0..<2).map { Tiny.outputNormGradient(theta, Double(data.inputs[$0])) }
                let taskOmega = (0..<Tiny.count).map { i in
                    group == 1 ? (perSample[0][i].magnitude + perSample[1][i].magnitude) / 2
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
            BenchmarkTask(index: t, train: LabeledData(inputs: [0.5, -1], labels: [Int32(2 * t), Int32(2 * t + 1)],
                                                       tasks: [Int32(t), Int32(t)], width: 1),
                          test: LabeledData(inputs: [1], labels: [Int32(2 * t)], tasks: [Int32(t)], width: 1),
                          classes: [2 * t, 2 * t + 1])
        }
        let stream = TaskStream(name: "ti", scenario: .taskIncremental, tasks: tasks, inputShape: [1], classCount: 4)
        let mas = MASPlugin(lambda: 1, alpha: 0, importanceBatch: 1)
        let trainer = Trainer(network: Network.mlp([1, 4], rng: &rng), stream: stream,
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
        let data = LabeledData(inputs: (0..<(4 * 784)).map { _ in rng.unitFloat() }, labels: [0, 1, 2, 0],
                               tasks: [0, 0, 0, 0], width: 784)
        let task = BenchmarkTask(index: 0, train: data, test: data, classes: [0, 1, 2])
        let stream = TaskStream(name: "s", scenario: .domainIncremental, tasks: [task, task], inputShape: [1, 28, 28],
                                classCount: 3)
        let mas = MASPlugin(lambda: 1, alpha: 0.5, importanceBatch: 2)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 2),
                              seed: 6, plugins: [mas])
        let state = net.state.array
        let importance = mas.importance(trainer, task.train)
        XCTAssertEqual(net.state.array, state)
        XCTAssertEqual(net.mode, .train)
        XCTAssertTrue(importance.contains { $0 > 0 } && importance.allSatisfy { $0 >= 0 && $0.isFinite })
    }
}

final class RWalkTests: XCTestCase {
    /// Two tasks of five steps with Δt = 2, as the A-GEM code computes them: before steps 1 and 3
    /// of each task the interval's scores max(0, ω / (ξ + F (θ − θ_Δ)²)) are added and F moves
    /// towards T/Δt (T the task's running sum of g²); at a task's end s ← s + (s + R)/2 (R doubled
    /// after the first task) and the penalty weighs F̂ + ŝ, each min-max normalised.
    func testScoresAndFisherFollowTheAGEMCode() throws {
        let (lambda, alpha, xi, lr, deltaT) = (0.5, 0.9, 1e-3, 0.5, 2)
        let rwalk = RWalkPlugin(lambda: Float(lambda), alpha: Float(alpha), deltaT: deltaT, xi: Float(xi))
        let trainer = Tiny.trainer(rwalk, epochs: 5, lr: Float(lr), seed: 7)
        var theta = trainer.network.parameters.array.map(Double.init)
        _ = try trainer.run()
        let zeros = [Double](repeating: 0, count: Tiny.count)
        var (fisher, score, omega, anchor, intervalStart) = (zeros, zeros, zeros, theta, theta)
        func normalised(_ x: [Double]) -> [Double] { x.map { ($0 - x.min()!) / (x.max()! - x.min()! + 1e-32) } }
        for task in trainer.stream.tasks {
            let data = task.train.materialized
            var (squares, path, taskScore) = (zeros, zeros, zeros)
            for step in 0..<5 {
                if (step + 1) % deltaT == 0 {
                    for i in 0..<Tiny.count {
                        let moved = theta[i] - intervalStart[i]
                        taskScore[i] += max(0, path[i] / (xi + fisher[i] * moved * moved))
                        fisher[i] = (1 - alpha) * fisher[i] + alpha / Double(deltaT) * squares[i]
                    }
                    (intervalStart, path) = (theta, zeros)
                }
                let g = Tiny.lossGradient(theta, data), p = Tiny.penaltyGradient(lambda, omega, theta, anchor)
                let next = (0..<Tiny.count).map { theta[$0] - lr * (g[$0] + p[$0]) }
                for i in 0..<Tiny.count {
                    squares[i] += g[i] * g[i]
                    path[i] -= g[i] * (next[i] - theta[i])
                }
                theta = next
            }
            let doubled = task.index == 0 ? 2.0 : 1.0
            score = (0..<Tiny.count).map { score[$0] + (score[$0] + doubled * taskScore[$0]) / 2 }
            let f = normalised(fisher), s = normalised(score)
            omega = (0..<Tiny.count).map { f[$0] + s[$0] }
            (anchor, intervalStart) = (theta, theta)
        }
        assertClose(trainer.network.parameters.array, theta, "θ")
        assertClose(rwalk.penalty.importance, omega, relative: 1e-3, "F̂ + ŝ")
        XCTAssertTrue(fisher.contains { $0 > 0 } && score.contains { $0 > 0 })
    }

    func testMinMaxNormalisationMapsOntoZeroToOne() {
        XCTAssertEqual(RWalkPlugin.minMaxNormalised([2, 4, 3]), [0, 1, 0.5])
        XCTAssertEqual(RWalkPlugin.minMaxNormalised([3, 3]), [0, 0])
    }
}

/// Each penalty's gradient, as `afterBackward` adds it, against central differences of
/// λ Σ_i Ω_i (θ_i − θ*_i)² with Ω the plugin's and θ* the parameters after the task.
final class RegularisationPenaltyTests: XCTestCase {
    private func checkPenaltyGradient(_ plugin: Plugin, lambda: Double, importance: () -> [Float]) throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 8)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 8, plugins: [plugin])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        plugin.beforeTraining(trainer)
        try trainer.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        let anchor = net.parameters.array.map(Double.init), omega = importance().map(Double.init)
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
        let h = 1e-4
        for i in 0..<theta.count {
            var up = theta, down = theta
            up[i] += h
            down[i] -= h
            let expected = (penalty(up) - penalty(down)) / (2 * h)
            XCTAssertEqual(Double(net.gradients[i]), expected, accuracy: 1e-4 * max(1, abs(expected)),
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
