import Benchmarks
import Learning
import QuadraticProgram
import TestSupport
import XCTest

@testable import Strategies

final class TaskIncrementalReferenceTests: XCTestCase {
    /// With task heads, each segment's reference gradient is the gradient of its masked loss.
    func testReferenceGradientsUseEachRowsTaskHead() throws {
        let stream = taskIncrementalStream(samples: 6)
        let heads = try XCTUnwrap(stream.heads)
        var rng = RandomStream(seed: 32)
        let net = Network.mlp([6, 4], rng: &rng)  // linear softmax: smooth, no kinks
        var memory = stream.tasks[0].train.rows(Array(0..<4))
        memory.append(contentsOf: stream.tasks[1].train.rows(Array(0..<6)))
        let references = ReferenceGradients()
        references.compute(net, data: memory, segments: [0..<4, 4..<10], heads: heads, threads: 1)
        for (k, segment) in [0..<4, 4..<10].enumerated() {
            let rows = memory.rows(Array(segment))
            for (i, expected) in finiteDifferences(net, { maskedMeanLoss(net, rows, heads: heads) }) {
                XCTAssertEqual(Double(references.row(k)[i]), expected, accuracy: 2e-4, "task \(k) parameter \(i)")
            }
        }
        // task 0's rows never pull on task 1's output units (weights 2...3 of the 4×6 matrix, biases 2...3)
        for unit in 2..<4 {
            for i in 0..<6 { XCTAssertEqual(references.row(0)[unit * 6 + i], 0) }
            XCTAssertEqual(references.row(0)[24 + unit], 0)
        }
    }

    /// A-GEM's reference gradient on a task-incremental memory is the masked-loss gradient of its sample.
    func testAGEMReferenceGradientUsesTaskHeads() throws {
        let stream = taskIncrementalStream(samples: 10)
        let heads = try XCTUnwrap(stream.heads)
        var rng = RandomStream(seed: 33)
        let net = Network.mlp([6, 4], rng: &rng)
        let agem = AGEMPlugin(patternsPerExperience: 10, sampleSize: 10, inputWidth: 6, seed: 3)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 3, plugins: [agem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        // g = e_i for a parameter i with r_i < 0: gᵀr = r_i < 0 forces the projection g − (gᵀr/rᵀr) r
        agem.beforeTrainingIteration(trainer)
        let memory = agem.memory.all
        let r = finiteDifferences(net) { maskedMeanLoss(net, memory, heads: heads) }.map(\.1)
        let i = try XCTUnwrap(r.indices.first { r[$0] < -1e-3 })
        net.gradients.fill(0)
        net.gradients[i] = 1
        agem.afterBackward(trainer)
        let rr = r.map { $0 * $0 }.reduce(0, +)
        XCTAssertEqual(agem.diagnostics["agem_violations"]?.last, 1)
        for j in 0..<net.parameterCount {
            let expected = (j == i ? 1 : 0) - (r[i] / rr) * r[j]
            XCTAssertEqual(Double(net.gradients[j]), expected, accuracy: 1e-3 * max(1, abs(expected)), "parameter \(j)")
        }
    }
}

final class BatchNormReferenceTests: XCTestCase {
    /// With batch norm, each past task's memory is its own train-mode batch, in task order: the
    /// reference gradients and the running statistics equal one plain pass per task.
    func testReferenceGradientsOfAConvNetEqualOnePassPerTask() throws {
        var rng = RandomStream(seed: 40)
        let net = try Network.reducedResNet18(channels: 1, height: 28, width: 28, classes: 3, nf: 2, rng: &rng)
        let sizes = [3, 5]
        var memory = LabeledData(width: 784)
        var segments: [Range<Int>] = []
        for (t, n) in sizes.enumerated() {
            segments.append(memory.count..<(memory.count + n))
            memory.append(
                contentsOf: LabeledData(
                    inputs: (0..<(n * 784)).map { _ in rng.unitFloat() },
                    labels: (0..<n).map { _ in Int32(rng.below(3)) },
                    tasks: [Int32](repeating: Int32(t), count: n), width: 784))
        }
        let start = net.state.array
        let references = ReferenceGradients()
        references.compute(net, data: memory, segments: segments, heads: nil, threads: 2)
        let batchedState = net.state.array
        XCTAssertNotEqual(batchedState, start, "train-mode passes move the running statistics")
        net.state.pointer.update(from: start, count: start.count)
        for (k, segment) in segments.enumerated() {
            let rows = memory.rows(Array(segment))
            net.gradients.fill(0)
            var g = [Float](repeating: 0, count: rows.count * 3)
            let logits = net.forward(rows.inputs, rows: rows.count)
            _ = SoftmaxCrossEntropy.lossAndGradient(
                logits: logits, labels: rows.labels, rows: rows.count, classes: 3,
                scale: 1 / Float(rows.count), gradient: &g)
            net.backward(g)
            let batched = Array(UnsafeBufferPointer(start: references.row(k), count: net.parameterCount))
            XCTAssertEqual(batched, net.gradients.array, "task \(k)")
        }
        XCTAssertEqual(net.state.array, batchedState, "running statistics updated task after task, as one pass each")
    }
}

final class ReferenceGradientTests: XCTestCase {
    /// Gradient of the mean loss over `data` computed the plain way: forward, loss, backward.
    private func plainGradient(_ net: Network, _ data: LabeledData) -> [Float] {
        net.gradients.fill(0)
        var g = [Float](repeating: 0, count: data.count * net.outputWidth)
        let logits = net.forward(data.inputs, rows: data.count)
        _ = SoftmaxCrossEntropy.lossAndGradient(
            logits: logits, labels: data.labels, rows: data.count,
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
            let batched = Array(
                UnsafeBufferPointer(
                    start: references.row(k),
                    count: net.parameterCount))
            for i in 0..<expected.count {
                XCTAssertEqual(
                    batched[i], expected[i], accuracy: 1e-6 * max(1, abs(expected[i])), "task \(k) parameter \(i)")
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
            return SoftmaxCrossEntropy.lossAndGradient(
                logits: logits, labels: data.labels, rows: 4, classes: 3,
                scale: 0.25, gradient: &scratch)
        }
        for (i, numeric) in finiteDifferences(net, loss) {
            XCTAssertEqual(Double(references.row(0)[i]), numeric, accuracy: 2e-4)
        }
    }
}
