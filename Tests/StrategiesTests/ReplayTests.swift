import Benchmarks
import Learning
import TestSupport
import XCTest

@testable import Strategies

final class ReplayPluginTests: XCTestCase {
    func testBufferIsSharedEquallyAmongTasksAndMixedIntoEveryMinibatch() throws {
        let stream = syntheticStream(tasks: 3, samples: 50)
        var rng = RandomStream(seed: 2)
        let net = Network.mlp([6, 3], rng: &rng)
        let replay = ReplayPlugin(memorySize: 40, seed: 2)
        var batchSizes: [Int] = []
        let observer = BatchObserver { batchSizes.append($0.count) }
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 10),
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
