import XCTest
import Benchmarks
import Learning
@testable import Strategies

final class AGEMPluginTests: XCTestCase {
    func testViolatingGradientIsProjectedOntoTheReferenceHalfSpace() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 1)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let agem = AGEMPlugin(patternsPerExperience: 10, sampleSize: 10, inputWidth: 6, seed: 1)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 1, plugins: [agem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        agem.beforeTrainingIteration(trainer)
        // the sample is all 10 memories, so r is the mean-loss gradient over the memory
        let memory = agem.memory.all
        net.gradients.fill(0)
        var dLogits = [Float](repeating: 0, count: 30)
        let logits = net.forward(memory.inputs, rows: 10)
        _ = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: memory.labels, rows: 10, classes: 3,
                                                scale: 0.1, gradient: &dLogits)
        net.backward(dLogits)
        let r = net.gradients.array.map(Double.init)
        // g = −r + e₀: gᵀr < 0, so g̃ = g − (gᵀr / rᵀr) r, which is orthogonal to r
        var g = r.map { -$0 }
        g[0] += 1
        for i in 0..<g.count { net.gradients[i] = Float(g[i]) }
        agem.afterBackward(trainer)
        let gr = zip(g, r).map(*).reduce(0, +), rr = r.map { $0 * $0 }.reduce(0, +)
        for i in 0..<g.count {
            XCTAssertEqual(Double(net.gradients[i]), g[i] - gr / rr * r[i], accuracy: 1e-5)
        }
        let after = (0..<g.count).map { Double(net.gradients[$0]) }
        XCTAssertEqual(zip(after, r).map(*).reduce(0, +), 0, accuracy: 1e-5 * rr)
    }
}

final class ReplayPluginTests: XCTestCase {
    func testBufferIsSharedEquallyAmongTasksAndMixedIntoEveryMinibatch() throws {
        let stream = syntheticStream(tasks: 3, samples: 50)
        var rng = RandomStream(seed: 2)
        let net = Network.mlp([6, 3], rng: &rng)
        let replay = ReplayPlugin(memorySize: 40, seed: 2)
        var batchSizes: [Int] = []
        let observer = BatchObserver { batchSizes.append($0.count) }
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 10),
                              seed: 2, plugins: [replay, observer])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        XCTAssertEqual(replay.episodicMemory!.count, 40)
        try trainer.train(on: stream.tasks[1], of: 1, progress: nil, into: &result)
        XCTAssertEqual(replay.episodicMemory!.tasks.filter { $0 == 0 }.count, 20)
        XCTAssertEqual(replay.episodicMemory!.tasks.filter { $0 == 1 }.count, 20)
        try trainer.train(on: stream.tasks[2], of: 1, progress: nil, into: &result)
        // 40 / 3: 14 for the oldest task, 13 for the others
        XCTAssertEqual([0, 1, 2].map { t in replay.episodicMemory!.tasks.filter { $0 == t }.count }, [14, 13, 13])
        // first task: plain minibatches of 10; later tasks: 10 + 10 replayed
        XCTAssertEqual(Array(batchSizes.prefix(5)), [10, 10, 10, 10, 10])
        XCTAssertTrue(batchSizes.dropFirst(5).allSatisfy { $0 == 20 })
    }
}

final class EWCPluginTests: XCTestCase {
    func testPenaltyGradientIsTwoLambdaFisherTimesDistanceFromTheAnchor() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 3)
        let net = Network.mlp([6, 3], rng: &rng)
        let ewc = EWCPlugin(patternsPerExperience: 20, lambda: 3, seed: 3)
        let trainer = Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
                              seed: 3, plugins: [ewc])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        let anchor = net.parameters.array
        // the Fisher of the GEM reference code: the squared mean-loss gradient over the stored samples
        let data = stream.tasks[0].train.materialized
        net.gradients.fill(0)
        var dLogits = [Float](repeating: 0, count: 60)
        _ = SoftmaxCrossEntropy.lossAndGradient(logits: net.forward(data.inputs, rows: 20), labels: data.labels,
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

final class DeterminismTests: XCTestCase {
    private func run(seed: UInt64) throws -> TrainingResult {
        let stream = syntheticStream(tasks: 3, samples: 40)
        var rng = RandomStream(seed: seed, purpose: "init")
        let net = Network.mlp([6, 8, 3], rng: &rng)
        let gem = GEMPlugin(patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .random, inputWidth: 6, seed: seed,
                            referenceGradients: .direct, sparseFirstLayer: false)
        return try Trainer(network: net, stream: stream, settings: TrainingSettings(learningRate: 0.2, batchSize: 5),
                           seed: seed, plugins: [gem]).run()
    }

    func testSameSeedGivesABitIdenticalAccuracyMatrixAndParameters() throws {
        let a = try run(seed: 9), b = try run(seed: 9), c = try run(seed: 10)
        XCTAssertEqual(a.accuracy, b.accuracy)
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(a.stepLoss, b.stepLoss)
        XCTAssertNotEqual(a.parameters, c.parameters)
        XCTAssertEqual(a.accuracy.count, 3)
        XCTAssertEqual(a.stepLoss.count, 3 * 8)
    }
}

/// Builds a trainer the way runs do: the strategy's model variant and plugins from its definition.
func strategyTrainer(_ definition: StrategyDefinition.Type, _ values: StrategyValues, hidden: [Int],
                     stream: TaskStream, settings: TrainingSettings, seed: UInt64) throws -> Trainer {
    let model = ModelSpec.mlp(hidden: hidden)
    let make = { (variant: ModelVariant, rng: inout RandomStream) throws -> Network in
        try model.build(inputShape: stream.inputShape, classes: stream.classCount, tasks: stream.tasks.count,
                    variant: variant, rng: &rng)
    }
    var rng = RandomStream(seed: seed, purpose: "init")
    let network = try make(definition.modelVariant(values), &rng)
    let plugins = try definition.makePlugins(values, StrategyBuild(stream: stream, seed: seed, model: model,
                                                                   makeNetwork: make))
    return Trainer(network: network, stream: stream, settings: settings, seed: seed, plugins: plugins)
}

final class OfflineBaselineTests: XCTestCase {
    func testJointTrainsOnTheUnionOnceAndRecordsOneRow() throws {
        let stream = syntheticStream(tasks: 3, samples: 20)
        let trainer = try strategyTrainer(Joint.self, StrategyValues(), hidden: [4], stream: stream,
                                          settings: TrainingSettings(learningRate: 0.1, batchSize: 10), seed: 4)
        let result = try trainer.run()
        XCTAssertEqual(result.accuracy.count, 1)
        XCTAssertEqual(result.stepLoss.count, 6)  // 60 samples in minibatches of 10
        XCTAssertEqual(Set(result.stepTask), [0])
        XCTAssertNil(result.metrics.backwardTransfer)
    }

    func testIndependentUsesOneNarrowNetworkPerTaskAndLeavesOthersUntouched() throws {
        let stream = syntheticStream(tasks: 4, samples: 20)
        let trainer = try strategyTrainer(Independent.self, StrategyValues([("warm_start", .bool(false))]),
                                          hidden: [8, 8], stream: stream,
                                          settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 5)
        let independent = try XCTUnwrap(trainer.plugins.first as? IndependentNetworks)
        XCTAssertEqual(independent.networks.count, 4)
        XCTAssertEqual(independent.networks[0].layout.map(\.shape), [[2, 6], [2], [2, 2], [2], [3, 2], [3]])
        let untouched = independent.networks[3].parameters.array
        let result = try trainer.run()
        XCTAssertNotEqual(independent.networks[3].parameters.array, untouched)
        // before its own task, network j is still at its initialisation: R[i][j] = b[j] for j > i
        for i in 0..<4 { for j in (i + 1)..<4 { XCTAssertEqual(result.accuracy[i][j], result.randomInitAccuracy[j]) } }
        // after its task, network j never changes again: column j is constant from row j on
        for j in 0..<4 { for i in j..<4 { XCTAssertEqual(result.accuracy[i][j], result.accuracy[j][j]) } }
        // every network is stored, task by task
        XCTAssertEqual(result.layout.count, 4 * 6)
        XCTAssertEqual(result.layout[6].name, "task1.layer0.weight")
        XCTAssertEqual(result.parameters.count, 4 * independent.networks[0].parameterCount)
    }

    func testWarmStartCopiesThePreviousTasksWeightsBeforeTraining() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        let trainer = try strategyTrainer(Independent.self, StrategyValues([("warm_start", .bool(true))]),
                                          hidden: [8], stream: stream,
                                          settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 5)
        let independent = try XCTUnwrap(trainer.plugins.first as? IndependentNetworks)
        var copied: [Float] = [], trained: Network?
        let spy = ExperienceObserver { task, trainer in
            if task == 1 { (copied, trained) = (trainer.network.parameters.array, trainer.network) }
        }
        _ = try Trainer(network: trainer.network, stream: stream, settings: trainer.settings, seed: 5,
                        plugins: [independent, spy]).run()
        // network 0 no longer changes after task 0: its final weights are what task 1 started from
        XCTAssertEqual(copied, independent.networks[0].parameters.array)
        XCTAssertTrue(trained === independent.networks[1])
    }
}

/// Calls back before each experience (in plugin order).
final class ExperienceObserver: StatelessPlugin {
    let callback: (Int, Trainer) -> Void
    init(_ callback: @escaping (Int, Trainer) -> Void) { self.callback = callback }
    func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) { callback(task.index, trainer) }
}
