import XCTest
import Benchmarks
import Learning
import QuadraticProgram
@testable import Strategies

/// A tiny random task stream: `tasks` tasks of `n` samples, inputs in [-1, 1].
/// Random inputs in [-1, 1]; those of magnitude below `zeros` are set to zero (that fraction of
/// them, as sparse as MNIST's pixels with `zeros: 0.8`).
func syntheticStream(tasks: Int, samples n: Int, width: Int = 6, classes: Int = 3, seed: UInt64 = 1,
                     scenario: Scenario = .domainIncremental, zeros: Float = 0) -> TaskStream {
    var rng = RandomStream(seed: seed)
    let built = (0..<tasks).map { t -> BenchmarkTask in
        func data() -> LabeledData {
            LabeledData(inputs: (0..<(n * width)).map { _ in
                            let v = 2 * rng.unitFloat() - 1
                            return abs(v) < zeros ? 0 : v
                        },
                        labels: (0..<n).map { _ in Int32(rng.below(classes)) },
                        tasks: [Int32](repeating: Int32(t), count: n), width: width)
        }
        return BenchmarkTask(index: t, train: data(), test: data(), classes: Array(0..<classes))
    }
    return TaskStream(name: "synthetic", scenario: scenario, tasks: built, inputShape: [width], classCount: classes)
}

final class ReferenceGradientTests: XCTestCase {
    /// Gradient of the mean loss over `data` computed the plain way: forward, loss, backward.
    private func plainGradient(_ net: Network, _ data: LabeledData) -> [Float] {
        net.gradients.fill(0)
        var g = [Float](repeating: 0, count: data.count * net.outputWidth)
        let logits = net.forward(data.inputs, rows: data.count)
        _ = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: data.labels, rows: data.count,
                                                classes: net.outputWidth, scale: 1 / Float(data.count), gradient: &g)
        net.backward(g)
        return net.gradients.array
    }

    func testBatchedReferenceGradientsEqualPerTaskGradients() {
        checkBatchedReferenceGradients(sparse: false)
    }

    /// The sparse first layer (80% zero inputs) gives the same gradients up to rounding.
    func testSparseBatchedReferenceGradientsEqualPerTaskGradients() {
        checkBatchedReferenceGradients(sparse: true)
    }

    private func checkBatchedReferenceGradients(sparse: Bool) {
        let stream = syntheticStream(tasks: 3, samples: 7, zeros: sparse ? 0.8 : 0)
        var rng = RandomStream(seed: 2)
        let net = Network.mlp([6, 8, 3], rng: &rng)
        var memory = LabeledData(width: 6)
        let sizes = [5, 2, 7]
        var segments: [Range<Int>] = []
        for (t, n) in sizes.enumerated() {
            segments.append(memory.count..<(memory.count + n))
            memory.append(contentsOf: stream.tasks[t].train.rows(Array(0..<n)))
        }
        let references = ReferenceGradients()
        let sparseInputs = sparse ? SparseRows(memory.inputs, rows: memory.count, width: 6, segments: segments) : nil
        if sparse { XCTAssertLessThan(sparseInputs!.density, 0.4) }
        references.compute(net, data: memory, segments: segments, heads: nil, threads: 2, sparseInputs: sparseInputs)
        for (k, segment) in segments.enumerated() {
            let expected = plainGradient(net, memory.rows(Array(segment)))
            let batched = Array(UnsafeBufferPointer(start: references.row(k),
                                                    count: net.parameterCount))
            for i in 0..<expected.count {
                XCTAssertEqual(batched[i], expected[i], accuracy: 1e-6 * max(1, abs(expected[i])), "task \(k) parameter \(i)")
            }
        }
    }

    func testReferenceGradientMatchesFiniteDifferencesOfTheMemoryLoss() {
        let stream = syntheticStream(tasks: 1, samples: 4)
        var rng = RandomStream(seed: 3)
        let net = Network.mlp([6, 3], rng: &rng)  // linear softmax model: smooth, no kinks
        let data = stream.tasks[0].train.materialized
        let references = ReferenceGradients()
        references.compute(net, data: data, segments: [0..<4], heads: nil, threads: 1)
        func loss() -> Double {
            var scratch = [Float](repeating: 0, count: 12)
            let logits = net.forward(data.inputs, rows: 4)
            return SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: data.labels, rows: 4, classes: 3,
                                                       scale: 0.25, gradient: &scratch)
        }
        for i in 0..<net.parameterCount {
            let saved = net.parameters[i]
            net.parameters[i] = saved + 1e-2; let up = loss()
            net.parameters[i] = saved - 1e-2; let down = loss()
            net.parameters[i] = saved
            XCTAssertEqual(Double(references.row(0)[i]), (up - down) / 2e-2,
                           accuracy: 2e-4)
        }
    }
}

final class GEMPluginTests: XCTestCase {
    /// A trainer after one task, its GEM memory holding that task, ready for a step on task 1.
    private func trainerAfterFirstTask(strength: Float) throws -> (Trainer, GEMPlugin) {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 4)
        let net = Network.mlp([6, 5, 3], rng: &rng)
        let gem = GEMPlugin(patternsPerExperience: 8, memoryStrength: strength, memorySelection: .random,
                            inputWidth: 6, seed: 4, referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 4, plugins: [gem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        return (trainer, gem)
    }

    func testOnePastTaskViolationIsProjectedByTheClosedForm() throws {
        // With one past task the dual QP has the closed form v = max(s, −m·g / (m·m + ε)),
        // and g̃ = g + v m. Take g = −m + (a component orthogonal to m): ⟨g, m⟩ < 0.
        for strength: Float in [0, 0.5] {
            let (trainer, gem) = try trainerAfterFirstTask(strength: strength)
            gem.beforeTrainingIteration(trainer)
            let p = trainer.network.parameterCount
            let m = (0..<p).map { Double(gem.referenceRow(0)[$0]) }
            var g = m.map { -$0 }
            g[0] += 1; g[1] -= 1  // break proportionality
            for i in 0..<p { trainer.network.gradients[i] = Float(g[i]) }
            gem.afterBackward(trainer)
            let mm = m.map { $0 * $0 }.reduce(0, +), mg = zip(m, g).map(*).reduce(0, +)
            XCTAssertLessThan(mg, 0)
            let v = max(Double(strength), -mg / (mm + 1e-3))
            for i in 0..<p {
                XCTAssertEqual(Double(trainer.network.gradients[i]), g[i] + v * m[i], accuracy: 1e-5 * max(1, abs(g[i])))
            }
            let projected = (0..<p).map { Double(trainer.network.gradients[$0]) }
            XCTAssertGreaterThanOrEqual(zip(projected, m).map(*).reduce(0, +), -1e-3 * v * 1.01,
                                        "⟨g̃, g_k⟩ ≥ −ε v_k")
            XCTAssertEqual(gem.diagnostics["gem_violations"]!.last, 1)
        }
    }

    func testGradientThatAgreesWithMemoryIsLeftAlone() throws {
        let (trainer, gem) = try trainerAfterFirstTask(strength: 0.5)
        gem.beforeTrainingIteration(trainer)
        let p = trainer.network.parameterCount
        let g = (0..<p).map { 2 * gem.referenceRow(0)[$0] }  // ⟨g, m⟩ > 0
        for i in 0..<p { trainer.network.gradients[i] = g[i] }
        gem.afterBackward(trainer)
        XCTAssertEqual(trainer.network.gradients.array, g)
        XCTAssertEqual(gem.diagnostics["gem_violations"]!.last, 0)
    }

    func testPluginProjectionAgreesWithPublicSolverOnThreePastTasks() throws {
        let stream = syntheticStream(tasks: 4, samples: 30)
        var rng = RandomStream(seed: 6)
        let net = Network.mlp([6, 5, 3], rng: &rng)
        let gem = GEMPlugin(patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .recent, inputWidth: 6, seed: 6,
                            referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.5, batchSize: 5),
                              seed: 6, plugins: [gem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        for t in 0..<3 { try trainer.train(on: stream.tasks[t], of: 1, progress: nil, into: &result) }
        gem.beforeTrainingIteration(trainer)
        let p = net.parameterCount
        let memories = (0..<3).map { k in (0..<p).map { Double(gem.referenceRow(k)[$0]) } }
        var g = [Double](repeating: 0, count: p)
        for k in 0..<3 { for i in 0..<p { g[i] -= Double(k + 1) * memories[k][i] } }
        for i in 0..<p { net.gradients[i] = Float(g[i]) }
        gem.afterBackward(trainer)
        let expected = GEMProjection.project(memories: memories, gradient: g, memoryStrength: 0.5)
        for i in 0..<p { XCTAssertEqual(Double(net.gradients[i]), expected[i], accuracy: 1e-4 * max(1, abs(expected[i]))) }
    }

    func testRecentMemoryKeepsTheLastPatternsTrainedOn() throws {
        let stream = syntheticStream(tasks: 1, samples: 23)
        var rng = RandomStream(seed: 7)
        let net = Network.mlp([6, 3], rng: &rng)
        let gem = GEMPlugin(patternsPerExperience: 8, memoryStrength: 0.5, memorySelection: .recent, inputWidth: 6, seed: 7,
                            referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 7, plugins: [gem])
        var seen: [[Float]] = []  // every row trained on, in order
        let observer = BatchObserver { batch in
            for r in 0..<batch.count { seen.append(Array(batch.inputs[(r * 6)..<((r + 1) * 6)])) }
        }
        let watched = Trainer(network: net, stream: stream, settings: trainer.settings, seed: 7, plugins: [observer])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try watched.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        XCTAssertEqual(gem.memory.all.count, 8)
        // row i seen goes to slot i mod 8: after 23 rows, slots 0...6 hold rows 16...22, slot 7 row 15
        XCTAssertEqual(seen.count, 23)
        let expected = (0..<8).map { slot in seen[slot < 7 ? 16 + slot : 15] }
        let stored = (0..<8).map { Array(gem.memory.all.inputs[($0 * 6)..<(($0 + 1) * 6)]) }
        XCTAssertEqual(stored, expected)
    }
}

/// Records every minibatch it sees.
final class BatchObserver: StatelessPlugin {
    let onBatch: (Minibatch) -> Void
    init(_ onBatch: @escaping (Minibatch) -> Void) { self.onBatch = onBatch }
    func beforeTrainingIteration(_ trainer: Trainer) { onBatch(trainer.batch) }
}
