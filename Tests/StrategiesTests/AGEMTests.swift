import Benchmarks
import Learning
import QuadraticProgram
import TestSupport
import XCTest

@testable import Strategies

final class AGEMPluginTests: XCTestCase {
    func testViolatingGradientIsProjectedOntoTheReferenceHalfSpace() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 1)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let agem = AGEMPlugin(patternsPerExperience: 10, sampleSize: 10, inputWidth: 6, seed: 1)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 1, plugins: [agem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        agem.beforeTrainingIteration(trainer)
        // the sample is all 10 memories, so r is the mean-loss gradient over the memory
        let memory = agem.memory.all
        net.gradients.fill(0)
        var dLogits = [Float](repeating: 0, count: 30)
        let logits = net.forward(memory.inputs, rows: 10)
        _ = SoftmaxCrossEntropy.lossAndGradient(
            logits: logits, labels: memory.labels, rows: 10, classes: 3,
            scale: 0.1, gradient: &dLogits)
        net.backward(dLogits)
        let r = net.gradients.array.map(Double.init)
        // g = −r + e₀: gᵀr < 0, so g̃ = g − (gᵀr / rᵀr) r, which is orthogonal to r
        var g = r.map { -$0 }
        g[0] += 1
        for i in 0..<g.count { net.gradients[i] = Float(g[i]) }
        agem.afterBackward(trainer)
        let gr = zip(g, r).map(*).reduce(0, +)
        let rr = r.map { $0 * $0 }.reduce(0, +)
        for i in 0..<g.count {
            XCTAssertEqual(Double(net.gradients[i]), g[i] - gr / rr * r[i], accuracy: 1e-5)
        }
        let after = (0..<g.count).map { Double(net.gradients[$0]) }
        XCTAssertEqual(zip(after, r).map(*).reduce(0, +), 0, accuracy: 1e-5 * rr)
    }
}

final class AGEMSampleTests: XCTestCase {
    /// With a sample smaller than the memory, each step draws that many distinct memory rows,
    /// and different steps draw different rows.
    func testSampleSmallerThanMemoryDrawsDistinctRowsEachStep() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 34)
        let net = Network.mlp([6, 3], rng: &rng)
        let agem = AGEMPlugin(patternsPerExperience: 20, sampleSize: 5, inputWidth: 6, seed: 4)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 4, plugins: [agem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        let memoryRows = Set((0..<20).map { Array(agem.memory.all.inputs[($0 * 6)..<(($0 + 1) * 6)]) })
        var draws: [Set<[Float]>] = []
        for _ in 0..<6 {
            agem.beforeTrainingIteration(trainer)
            let sample = agem.sampleForTests
            XCTAssertEqual(sample.count, 5)
            let rows = Set((0..<5).map { Array(sample.inputs[($0 * 6)..<(($0 + 1) * 6)]) })
            XCTAssertEqual(rows.count, 5, "rows are distinct")
            XCTAssertTrue(rows.isSubset(of: memoryRows))
            draws.append(rows)
        }
        XCTAssertGreaterThan(Set(draws).count, 1)
    }
}
