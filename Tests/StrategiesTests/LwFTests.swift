import Benchmarks
import Foundation
import Learning
import TestSupport
import XCTest

@testable import Strategies

/// alpha · Σ_groups mean_rows KL(softmax(z′_G / T) ‖ softmax(z_G / T)), in float64 with libm
/// (the independent truth for the float32 `LwFPlugin.distillation`), and its gradient.
private func referenceDistillation(
    _ z: [Double], _ previous: [Double], rows: Int, classes: Int, groups: [[Int]],
    temperature: Double, alpha: Double
) -> (loss: Double, gradient: [Double]) {
    func softmax(_ v: [Double]) -> [Double] {
        let top = v.max()!
        let e = v.map { exp($0 - top) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
    var loss = 0.0
    var gradient = [Double](repeating: 0, count: rows * classes)
    for r in 0..<rows {
        for group in groups {
            let p = softmax(group.map { z[r * classes + $0] / temperature })
            let q = softmax(group.map { previous[r * classes + $0] / temperature })
            for (i, c) in group.enumerated() {
                loss += q[i] * (log(q[i]) - log(p[i]))
                gradient[r * classes + c] = alpha * (p[i] - q[i]) / (temperature * Double(rows))
            }
        }
    }
    return (alpha * loss / Double(rows), gradient)
}

/// Copies the logit gradient (and the logits) seen in `addLoss` while armed.
private final class GradientProbe: StatelessPlugin {
    var armed = false
    var gradient: [Float] = [], logits: [Float] = []
    func addLoss(_ trainer: Trainer, logits: UnsafePointer<Float>, logitGradient: UnsafeMutablePointer<Float>) -> Double
    {
        if armed {
            let n = trainer.batch.count * trainer.network.outputWidth
            (gradient, self.logits) = (
                Array(UnsafeBufferPointer(start: logitGradient, count: n)),
                Array(UnsafeBufferPointer(start: logits, count: n))
            )
        }
        return 0
    }
}

/// Three tasks of random 6-wide inputs, task t holding classes 2t and 2t + 1.
private func pairsStream(_ scenario: Scenario) -> TaskStream {
    var rng = RandomStream(seed: 21)
    let tasks = (0..<3).map { t -> BenchmarkTask in
        func data() -> LabeledData {
            LabeledData(
                inputs: (0..<(30 * 6)).map { _ in 2 * rng.unitFloat() - 1 },
                labels: (0..<30).map { _ in Int32(2 * t + rng.below(2)) },
                tasks: [Int32](repeating: Int32(t), count: 30), width: 6)
        }
        return BenchmarkTask(index: t, train: data(), test: data(), classes: [2 * t, 2 * t + 1])
    }
    return TaskStream(name: "pairs", scenario: scenario, tasks: tasks, inputShape: [6], classCount: 6)
}

final class LwFTests: XCTestCase {
    func testDistillationOfATinyCaseByHand() {
        // one row, classes 0 and 2 distilled at T = 2: z = (2, 5, 0) → (1, 0), z′ = (0, −3, 0) → (0, 0);
        // p = (e, 1) / (1 + e), q = (½, ½); KL(q ‖ p) = ln(1 + e) − ½ − ln 2 = 0.120115; alpha 0.5
        let z: [Float] = [2, 5, 0]
        let previous: [Float] = [0, -3, 0]
        var gradient: [Float] = [1, 1, 1]  // the term's gradient is added
        let loss = LwFPlugin.distillation(
            logits: z, previous: previous, rows: 1, classes: 3, groups: [[0, 2]],
            temperature: 2, alpha: 0.5, gradient: &gradient)
        XCTAssertEqual(loss, 0.5 * (log(1 + M_E) - 0.5 - log(2)), accuracy: 1e-7)
        // alpha (p − q) / T = ±0.25 (e / (1 + e) − ½) = ±0.0577646
        let d = 0.25 * (M_E / (1 + M_E) - 0.5)
        XCTAssertEqual(Double(gradient[0]), 1 + d, accuracy: 1e-7)
        XCTAssertEqual(gradient[1], 1, "class 1 is not distilled")
        XCTAssertEqual(Double(gradient[2]), 1 - d, accuracy: 1e-7)
    }

    /// Value and gradient against the float64 reference, whose gradient is itself checked by
    /// central differences of its loss.
    func testDistillationGradientMatchesFiniteDifferences() {
        var rng = RandomStream(seed: 5)
        let rows = 3
        let classes = 6
        let groups = [[0, 1], [3, 4, 5]]
        let z = (0..<(rows * classes)).map { _ in 6 * rng.unitFloat() - 3 }
        let previous = (0..<(rows * classes)).map { _ in 6 * rng.unitFloat() - 3 }
        var gradient = [Float](repeating: 0, count: rows * classes)
        let loss = LwFPlugin.distillation(
            logits: z, previous: previous, rows: rows, classes: classes, groups: groups,
            temperature: 1.7, alpha: 0.8, gradient: &gradient)
        func reference(_ z: [Double]) -> (loss: Double, gradient: [Double]) {
            referenceDistillation(
                z, previous.map(Double.init), rows: rows, classes: classes, groups: groups,
                temperature: Double(Float(1.7)), alpha: Double(Float(0.8)))
        }
        let zd = z.map(Double.init)
        let expected = reference(zd)
        XCTAssertGreaterThan(expected.loss, 0.05)
        XCTAssertEqual(loss, expected.loss, accuracy: 1e-6)
        for i in 0..<zd.count {
            let numeric = centralDifference(h: 1e-5) { d in
                var moved = zd
                moved[i] += d
                return reference(moved).loss
            }
            XCTAssertEqual(expected.gradient[i], numeric, accuracy: 1e-8, "reference, logit \(i)")
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-6, "logit \(i)")
        }
        XCTAssertEqual((0..<rows).map { gradient[$0 * classes + 2] }, [0, 0, 0], "class 2 is in no group")
    }

    /// The term a trainer adds on task 2 of a split stream, read from the logit gradient between
    /// two probes: against the float64 reference with the previous model's logits from the
    /// parameters after task 1 (the frozen copy), the groups as the scenario says: each old
    /// head on its own (task-incremental: per row and head the term's gradient sums to zero),
    /// every old class together (class-incremental); never the current task's classes.
    func testTaskIncrementalDistilsEachOldHeadAndClassIncrementalAllOldClassesTogether() throws {
        for scenario in [Scenario.taskIncremental, .classIncremental] {
            let stream = pairsStream(scenario)
            var rng = RandomStream(seed: 2)
            var copyRNG = RandomStream(seed: 3)
            let network = Network.mlp([6, 8, 6], rng: &rng)
            let lwf = LwFPlugin(alpha: 0.7, temperature: 2, copy: Network.mlp([6, 8, 6], rng: &copyRNG))
            let before = GradientProbe()
            let after = GradientProbe()
            let trainer = Trainer(
                network: network, stream: stream,
                settings: TrainingSettings(learningRate: 0.2, batchSize: 5), seed: 1,
                plugins: [before, lwf, after])
            var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
            for t in 0..<2 { try trainer.train(on: stream.tasks[t], of: 3, progress: nil, into: &result) }
            XCTAssertEqual(lwf.finished, [[0, 1], [2, 3]])
            let copy = Network.mlp([6, 8, 6], rng: &rng)
            copy.parameters.copy(from: network.parameters)  // the model after task 1
            // a few steps into task 2, so that the model has moved away from the copy
            for start in stride(from: 0, to: 25, by: 5) {
                trainer.batch.removeAll()
                for r in start..<(start + 5) { trainer.batch.append(stream.tasks[2].train, row: r) }
                trainer.step()
            }
            (before.armed, after.armed) = (true, true)
            trainer.batch.removeAll()
            for r in 25..<30 { trainer.batch.append(stream.tasks[2].train, row: r) }
            trainer.step()
            let term = zip(after.gradient, before.gradient).map { Double($0 - $1) }
            let previous = Array(UnsafeBufferPointer(start: copy.forward(trainer.batch.inputs, rows: 5), count: 30))
            let groups = scenario == .taskIncremental ? [[0, 1], [2, 3]] : [[0, 1, 2, 3]]
            let expected = referenceDistillation(
                before.logits.map(Double.init), previous.map(Double.init), rows: 5,
                classes: 6, groups: groups, temperature: 2, alpha: 0.7)
            XCTAssertLessThan(relativeDifference(term, expected.gradient), 1e-4, "\(scenario)")
            XCTAssertGreaterThan(term.map(abs).max()!, 1e-4, "\(scenario): the model moved from the copy")
            for r in 0..<5 {
                XCTAssertEqual(
                    term[(r * 6 + 4)...(r * 6 + 5)], [0, 0], "\(scenario): the current task is not distilled")
            }
            var headSums: [Double] = []
            for r in 0..<5 { for h in [0, 2] { headSums.append(term[r * 6 + h] + term[r * 6 + h + 1]) } }
            if scenario == .taskIncremental {
                XCTAssertLessThan(headSums.map(abs).max()!, 1e-6)
            } else {
                XCTAssertGreaterThan(headSums.map(abs).max()!, 1e-4, "one softmax over both old heads")
            }
        }
    }
}

/// ‖a − b‖ / max(‖a‖, ‖b‖).
private func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    let diff = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    return diff / max(a.map { $0 * $0 }.reduce(0, +).squareRoot(), b.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
}
