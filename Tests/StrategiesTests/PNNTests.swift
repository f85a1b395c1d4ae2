import Benchmarks
import Learning
import TestSupport
import XCTest

@testable import Strategies

/// Progressive networks as a strategy: which column trains, which predicts, what is stored.
final class PNNTests: XCTestCase {
    private func trainer(seed: UInt64 = 5) throws -> (Trainer, IndependentNetworks) {
        let trainer = try strategyTrainer(
            PNN.self, StrategyValues(), hidden: [8, 8],
            stream: syntheticStream(tasks: 3, samples: 20),
            settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: seed)
        return (trainer, try XCTUnwrap(trainer.plugins.first as? IndependentNetworks))
    }

    /// Column k trains on task k only: every earlier column keeps its bits through the later
    /// tasks, so its task's accuracy never changes again; the current column does train.
    func testEarlierColumnsAreBitIdenticalAfterLaterTasksTrain() throws {
        let (trainer, columns) = try trainer()
        var atStart: [[[Float]]] = []  // before each task: every column's parameters
        let spy = ExperienceObserver { _, _ in atStart.append(columns.networks.map(\.parameters.array)) }
        let result = try Trainer(
            network: trainer.network, stream: trainer.stream, settings: trainer.settings, seed: 5,
            plugins: [columns, spy]
        ).run()
        let final = columns.networks.map(\.parameters.array)
        XCTAssertEqual(final[0], atStart[1][0], "column 0 after tasks 1 and 2")
        XCTAssertEqual(final[1], atStart[2][1], "column 1 after task 2")
        for k in 0..<3 { XCTAssertNotEqual(atStart[k][k], k < 2 ? atStart[k + 1][k] : final[k], "column \(k) trains") }
        // so the trainer keeps R[j][j] for the later rows: what evaluating every column now gives
        XCTAssertEqual(
            result.accuracy.last,
            Trainer(
                network: trainer.network, stream: trainer.stream, settings: trainer.settings, seed: 5,
                plugins: [IndependentNetworks(columns.networks, warmStart: false)]
            ).evaluateAll())
        for j in 0..<3 { for i in j..<3 { XCTAssertEqual(result.accuracy[i][j], result.accuracy[j][j]) } }
    }

    /// Task j's accuracy is column j's, computed here with its own forward passes; another
    /// column would have given another accuracy on some task.
    func testEvaluationRoutesEachTaskToItsColumn() throws {
        let (trainer, columns) = try trainer(seed: 6)
        let result = try trainer.run()
        func accuracy(of network: Network, on task: BenchmarkTask) -> Double {
            let test = task.test.materialized
            var predictions = [Int32](repeating: -1, count: test.count)
            network.predict(test.inputs, rows: test.count, tasks: test.tasks, into: &predictions)
            return Double(zip(predictions, test.labels).filter { $0 == $1 }.count) / Double(test.count)
        }
        let tasks = trainer.stream.tasks
        XCTAssertEqual(result.accuracy[2], (0..<3).map { accuracy(of: columns.networks[$0], on: tasks[$0]) })
        let swapped = (0..<3).map { accuracy(of: columns.networks[($0 + 1) % 3], on: tasks[$0]) }
        XCTAssertNotEqual(swapped, result.accuracy[2])
    }

    func testTheRunFileStoresEveryColumnWithItsLaterals() throws {
        let (trainer, _) = try trainer()
        let result = try trainer.run()
        // widths 6-8-8-3; column 0: 7·8 + 9·8 + 9·3 = 155; column 1: 56 + 17·8 + 17·3 = 243;
        // column 2: 56 + 25·8 + 25·3 = 331
        XCTAssertEqual(result.parameters.count, 155 + 243 + 331)
        XCTAssertEqual(
            result.layout.filter { $0.name.hasPrefix("task1.") }.map(\.shape),
            [[8, 6], [8], [8, 16], [8], [3, 16], [3]])
        XCTAssertEqual(result.layout[8].name, "task1.layer0.fc1.weight")
        XCTAssertEqual(result.layout[8].offset, 155 + 56)
    }

    func testRefusesModelsAndScenariosItDoesNotSupport() {
        func problems(_ model: ModelSpec, _ scenario: Scenario) -> [String] {
            PNN.validate(
                StrategyValues(),
                in: StrategyContext(
                    tasks: 5, samplesPerTask: nil, availablePerTask: 100,
                    batchSize: 10, momentum: 0, scenario: scenario, model: model)
            )
            .map(\.message)
        }
        XCTAssertEqual(problems(.default, .taskIncremental), [])
        XCTAssertEqual(
            problems(.resnet18(width: 20), .taskIncremental),
            ["pnn builds its columns and lateral connections from an MLP (model.kind: mlp), not resnet18"])
        XCTAssertEqual(
            problems(.default, .classIncremental),
            [
                "pnn picks each test row's column by its task id, which a class-incremental stream does not give; use task-incremental"
            ])
    }
}
