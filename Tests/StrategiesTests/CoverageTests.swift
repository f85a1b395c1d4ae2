import XCTest
import Benchmarks
import Learning
import QuadraticProgram
@testable import Strategies

/// Mean cross-entropy over `data`, each row's logits masked to its task's classes, computed
/// in float64 here (not by `SoftmaxCrossEntropy`).
private func maskedMeanLoss(_ net: Network, _ data: LabeledData, heads: OutputHeads) -> Double {
    let logits = Array(UnsafeBufferPointer(start: net.forward(data.inputs, rows: data.count),
                                           count: data.count * net.outputWidth))
    var total = 0.0
    for r in 0..<data.count {
        let allowed = heads.classes(ofTask: Int(data.tasks[r]))
        let z = allowed.map { Double(logits[r * net.outputWidth + $0]) }
        let top = z.max()!
        let logSum = top + log(z.map { exp($0 - top) }.reduce(0, +))
        total += logSum - Double(logits[r * net.outputWidth + Int(data.labels[r])])
    }
    return total / Double(data.count)
}

/// Central differences of `loss` at every `stride`-th parameter.
private func finiteDifferences(_ net: Network, stride: Int = 1, _ loss: () -> Double) -> [(Int, Double)] {
    Swift.stride(from: 0, to: net.parameterCount, by: stride).map { i in
        let saved = net.parameters[i]
        net.parameters[i] = saved + 1e-2; let up = loss()
        net.parameters[i] = saved - 1e-2; let down = loss()
        net.parameters[i] = saved
        return (i, (up - down) / 2e-2)
    }
}

/// A task-incremental stream: 2 tasks of 2 classes each out of 4, labels within the task's pair.
private func taskIncrementalStream(samples n: Int) -> TaskStream {
    var rng = RandomStream(seed: 31)
    let tasks = (0..<2).map { t -> BenchmarkTask in
        func data() -> LabeledData {
            LabeledData(inputs: (0..<(n * 6)).map { _ in 2 * rng.unitFloat() - 1 },
                        labels: (0..<n).map { _ in Int32(2 * t + rng.below(2)) },
                        tasks: [Int32](repeating: Int32(t), count: n), width: 6)
        }
        return BenchmarkTask(index: t, train: data(), test: data(), classes: [2 * t, 2 * t + 1])
    }
    return TaskStream(name: "ti", scenario: .taskIncremental, tasks: tasks, inputShape: [6], classCount: 4)
}

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
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
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

final class AGEMSampleTests: XCTestCase {
    /// With a sample smaller than the memory, each step draws that many distinct memory rows,
    /// and different steps draw different rows.
    func testSampleSmallerThanMemoryDrawsDistinctRowsEachStep() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 34)
        let net = Network.mlp([6, 3], rng: &rng)
        let agem = AGEMPlugin(patternsPerExperience: 20, sampleSize: 5, inputWidth: 6, seed: 4)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
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

final class EWCTwoTaskTests: XCTestCase {
    /// After two tasks the penalty gradient is 2λ Σ_k F_k (θ − θ*_k), with F_k the squared
    /// mean-loss gradient of task k's samples at θ*_k (finite differences, not the plugin's pass).
    func testPenaltySumsOverEveryPastTask() throws {
        let stream = syntheticStream(tasks: 3, samples: 10)
        var rng = RandomStream(seed: 35)
        let net = Network.mlp([6, 3], rng: &rng)
        let ewc = EWCPlugin(patternsPerExperience: 10, lambda: 2, seed: 5)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 5, plugins: [ewc])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        var anchors: [[Float]] = [], fishers: [[Double]] = []
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
            XCTAssertEqual(Double(net.gradients[i]), expected, accuracy: 1e-3 * max(1e-3, abs(expected)), "parameter \(i)")
        }
    }

    /// The empirical Fisher is the mean of per-sample squared gradients, not the square of the mean.
    func testEmpiricalFisherAveragesPerSampleSquares() throws {
        let stream = syntheticStream(tasks: 2, samples: 8)
        var rng = RandomStream(seed: 36)
        let net = Network.mlp([6, 3], rng: &rng)
        let ewc = EWCPlugin(patternsPerExperience: 8, lambda: 1, fisher: .empirical, seed: 6)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 4),
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
            XCTAssertEqual(Double(net.gradients[i]), expected, accuracy: 1e-3 * max(1e-3, abs(expected)), "parameter \(i)")
        }
    }
}

final class NonFiniteTests: XCTestCase {
    /// A NaN gradient reaches GEM's projection without trapping in the QP; the step is left as it is.
    func testGEMLeavesANonFiniteGradientUnprojected() throws {
        let stream = syntheticStream(tasks: 2, samples: 10)
        var rng = RandomStream(seed: 37)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let gem = GEMPlugin(patternsPerExperience: 5, memoryStrength: 0.5, memorySelection: .random, inputWidth: 6,
                            seed: 7, referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 7, plugins: [gem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        gem.beforeTraining(trainer)
        try trainer.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        gem.beforeTrainingIteration(trainer)
        net.gradients.fill(.nan)
        gem.afterBackward(trainer)
        XCTAssertTrue(net.gradients.array.allSatisfy(\.isNaN))
        XCTAssertEqual(gem.diagnostics["gem_binding_constraints"]?.last, 0)
    }

    /// A non-finite input makes the loss NaN: the trainer stops the run, naming task and step.
    func testANonFiniteLossStopsTheRun() throws {
        var stream = syntheticStream(tasks: 2, samples: 10)
        var tasks = stream.tasks
        var poisoned = tasks[1].train.materialized
        poisoned.inputs[7 * 6] = .infinity
        tasks[1].train = TaskSamples(poisoned)
        stream = TaskStream(name: stream.name, scenario: stream.scenario, tasks: tasks, inputShape: [6], classCount: 3)
        var rng = RandomStream(seed: 38)
        let trainer = Trainer(network: Network.mlp([6, 3], rng: &rng), stream: stream,
                              settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 8, plugins: [])
        XCTAssertThrowsError(try trainer.run()) { error in
            guard let diverged = error as? TrainingDiverged else { return XCTFail("\(error)") }
            XCTAssertEqual(diverged.task, 1)
            XCTAssertFalse(diverged.value.isFinite)
            XCTAssertTrue([1, 2].contains(diverged.step))
        }
    }
}

final class QPIterationCapTests: XCTestCase {
    /// Stopped by its iteration cap, the solver says so and still returns a feasible v.
    func testHittingTheIterationCapIsReportedAndStaysFeasible() {
        // 40 nearly parallel memory gradients against g: many constraints enter and leave the set
        let k = 40
        var rng = RandomStream(seed: 39)
        var gram = [Double](repeating: 0, count: k * k), linear = [Double](repeating: 0, count: k)
        let vectors = (0..<k).map { _ in (0..<8).map { _ in Double(2 * rng.unitFloat() - 1) } }
        for i in 0..<k {
            for j in 0..<k { gram[i * k + j] = zip(vectors[i], vectors[j]).map(*).reduce(0, +) }
            linear[i] = -Double(rng.unitFloat()) - 0.1
        }
        var v = [Double](repeating: 0, count: k), work = [Double](repeating: 0, count: DualQP.workspaceCount(for: k))
        let full = DualQP.solve(gram: gram, linear: linear, count: k, memoryStrength: 0, eps: 1e-3,
                                solution: &v, workspace: &work)
        XCTAssertTrue(full.converged)
        XCTAssertGreaterThan(full.iterations, 1)
        let capped = DualQP.solve(gram: gram, linear: linear, count: k, memoryStrength: 0, eps: 1e-3,
                                  solution: &v, workspace: &work, maxIterations: 1)
        XCTAssertFalse(capped.converged)
        XCTAssertTrue(v.allSatisfy { $0 >= 0 && $0.isFinite })
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
            memory.append(contentsOf: LabeledData(inputs: (0..<(n * 784)).map { _ in rng.unitFloat() },
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
            _ = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: rows.labels, rows: rows.count, classes: 3,
                                                    scale: 1 / Float(rows.count), gradient: &g)
            net.backward(g)
            let batched = Array(UnsafeBufferPointer(start: references.row(k), count: net.parameterCount))
            XCTAssertEqual(batched, net.gradients.array, "task \(k)")
        }
        XCTAssertEqual(net.state.array, batchedState, "running statistics updated task after task, as one pass each")
    }
}
