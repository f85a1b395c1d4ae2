import Benchmarks
import Learning
import QuadraticProgram
import TestSupport
import XCTest

@testable import Strategies

final class DeterminismTests: XCTestCase {
    private func run(seed: UInt64) throws -> TrainingResult {
        let stream = syntheticStream(tasks: 3, samples: 40)
        var rng = RandomStream(seed: seed, purpose: "init")
        let net = Network.mlp([6, 8, 3], rng: &rng)
        let gem = GEMPlugin(
            patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .random, inputWidth: 6, seed: seed,
            referenceGradients: .direct, sparseFirstLayer: false)
        return try Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.2, batchSize: 5),
            seed: seed, plugins: [gem]
        ).run()
    }

    func testSameSeedGivesABitIdenticalAccuracyMatrixAndParameters() throws {
        let a = try run(seed: 9)
        let b = try run(seed: 9)
        let c = try run(seed: 10)
        XCTAssertEqual(a.accuracy, b.accuracy)
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(a.stepLoss, b.stepLoss)
        XCTAssertNotEqual(a.parameters, c.parameters)
        XCTAssertEqual(a.accuracy.count, 3)
        XCTAssertEqual(a.stepLoss.count, 3 * 8)
    }
}

final class NonFiniteTests: XCTestCase {
    /// A NaN gradient reaches GEM's projection without trapping in the QP; the step is left as it is.
    func testGEMLeavesANonFiniteGradientUnprojected() throws {
        let stream = syntheticStream(tasks: 2, samples: 10)
        var rng = RandomStream(seed: 37)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let gem = GEMPlugin(
            patternsPerExperience: 5, memoryStrength: 0.5, memorySelection: .random, inputWidth: 6,
            seed: 7, referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
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
        let trainer = Trainer(
            network: Network.mlp([6, 3], rng: &rng), stream: stream,
            settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 8, plugins: [])
        XCTAssertThrowsError(try trainer.run()) { error in
            guard let diverged = error as? TrainingDiverged else { return XCTFail("\(error)") }
            XCTAssertEqual(diverged.task, 1)
            XCTAssertFalse(diverged.value.isFinite)
            XCTAssertTrue([1, 2].contains(diverged.step))
        }
    }
}
