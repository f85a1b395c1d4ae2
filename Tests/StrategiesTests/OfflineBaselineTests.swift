import Benchmarks
import Learning
import Metrics
import TestSupport
import XCTest

@testable import Strategies

final class OfflineBaselineTests: XCTestCase {
    func testJointTrainsOnTheUnionOnceAndRecordsOneRow() throws {
        let stream = syntheticStream(tasks: 3, samples: 20)
        let trainer = try strategyTrainer(
            Joint.self, StrategyValues(), hidden: [4], stream: stream,
            settings: TrainingSettings(learningRate: 0.1, batchSize: 10), seed: 4)
        let result = try trainer.run()
        XCTAssertEqual(result.accuracy.count, 1)
        XCTAssertEqual(result.stepLoss.count, 6)  // 60 samples in minibatches of 10
        XCTAssertEqual(Set(result.stepTask), [0])
        XCTAssertNil(result.metrics.bwt)
    }

    func testIndependentUsesOneNarrowNetworkPerTaskAndLeavesOthersUntouched() throws {
        let stream = syntheticStream(tasks: 4, samples: 20)
        let trainer = try strategyTrainer(
            Independent.self, StrategyValues([("warm_start", .bool(false))]),
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
        let trainer = try strategyTrainer(
            Independent.self, StrategyValues([("warm_start", .bool(true))]),
            hidden: [8], stream: stream,
            settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 5)
        let independent = try XCTUnwrap(trainer.plugins.first as? IndependentNetworks)
        var copied: [Float] = []
        var trained: Network?
        let spy = ExperienceObserver { task, trainer in
            if task == 1 { (copied, trained) = (trainer.network.parameters.array, trainer.network) }
        }
        _ = try Trainer(
            network: trainer.network, stream: stream, settings: trainer.settings, seed: 5,
            plugins: [independent, spy]
        ).run()
        // network 0 no longer changes after task 0: its final weights are what task 1 started from
        XCTAssertEqual(copied, independent.networks[0].parameters.array)
        XCTAssertTrue(trained === independent.networks[1])
    }
}
