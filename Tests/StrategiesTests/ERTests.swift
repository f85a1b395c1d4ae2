import Benchmarks
import Learning
import XCTest

@testable import Strategies

final class ERTests: XCTestCase {
    /// A stream of `n` samples whose input is its own index, so memory rows say which sample they are.
    private func indexedStream(_ n: Int, classes: Int = 4) -> TaskStream {
        let data = LabeledData(
            inputs: (0..<n).map(Float.init), labels: (0..<n).map { Int32($0 % classes) },
            tasks: [Int32](repeating: 0, count: n), width: 1)
        return TaskStream(
            name: "indexed", scenario: .domainIncremental,
            tasks: [BenchmarkTask(index: 0, train: data, test: data, classes: Array(0..<classes))],
            inputShape: [1], classCount: classes)
    }

    /// Offers the stream to the plugin in minibatches of `batch`, as the trainer does after each step.
    private func feed(_ er: ERPlugin, _ stream: TaskStream, batch: Int) -> Trainer {
        var rng = RandomStream(seed: 0)
        let trainer = Trainer(
            network: Network.mlp([1, stream.classCount], rng: &rng), stream: stream,
            settings: TrainingSettings(learningRate: 0, batchSize: batch), seed: 0, plugins: [er])
        let data = stream.tasks[0].train
        for start in stride(from: 0, to: data.count, by: batch) {
            trainer.batch.removeAll()
            for r in start..<min(start + batch, data.count) { trainer.batch.append(data, row: r) }
            er.beforeTrainingIteration(trainer)
            er.afterUpdate(trainer)
        }
        return trainer
    }

    /// Reservoir sampling keeps every sample seen with the same probability M / N: over 400
    /// seeds, each of 40 samples is in a memory of 10 about 100 times (binomial sd ≈ 8.7).
    func testReservoirKeepsEverySampleWithEqualProbability() {
        let stream = indexedStream(40)
        var kept = [Int](repeating: 0, count: 40)
        for seed in 0..<400 {
            let er = ERPlugin(
                memorySize: 10, replayBatchSize: 10, selection: .reservoir, width: 1, classCount: 4,
                seed: UInt64(seed))
            _ = feed(er, stream, batch: 10)
            let memory = er.episodicMemory!
            XCTAssertEqual(memory.count, 10)
            XCTAssertEqual(Set(memory.inputs).count, 10, "no sample is stored twice")
            for x in memory.inputs { kept[Int(x)] += 1 }
        }
        for (sample, count) in kept.enumerated() {
            XCTAssertEqual(Double(count), 100, accuracy: 5 * 8.66, "sample \(sample)")
        }
        // the first and the last ten samples are not favoured over each other
        let early = kept[0..<10].reduce(0, +)
        let late = kept[30..<40].reduce(0, +)
        XCTAssertEqual(Double(early), Double(late), accuracy: 5 * (2 * 1000 * 0.25 * 0.75).squareRoot())
    }

    /// Until the memory is full it holds exactly the samples seen, in order.
    func testReservoirFillsInOrderFirst() {
        let er = ERPlugin(memorySize: 30, replayBatchSize: 5, selection: .reservoir, width: 1, classCount: 4, seed: 3)
        _ = feed(er, indexedStream(20), batch: 5)
        XCTAssertEqual(er.episodicMemory!.inputs, (0..<20).map(Float.init))
    }

    /// The ring buffer keeps the last ⌊M / classes⌋ samples of each class.
    func testRingKeepsTheMostRecentSamplesOfEveryClass() {
        let er = ERPlugin(memorySize: 8, replayBatchSize: 5, selection: .ring, width: 1, classCount: 4, seed: 3)
        _ = feed(er, indexedStream(40), batch: 10)
        let memory = er.episodicMemory!
        // class c holds samples c, c+4, ..., c+36: its last two are c+32 and c+36
        XCTAssertEqual(Set(memory.inputs), Set((0..<4).flatMap { c in [Float(c + 32), Float(c + 36)] }))
        for (x, label) in zip(memory.inputs, memory.labels) { XCTAssertEqual(Int(x) % 4, Int(label)) }
    }

    /// Each step joins min(replay batch, memory) distinct memory rows to the minibatch.
    func testReplayRowsAreDrawnFromMemoryWithoutReplacement() {
        let stream = indexedStream(40)
        let er = ERPlugin(memorySize: 6, replayBatchSize: 4, selection: .reservoir, width: 1, classCount: 4, seed: 5)
        var sizes: [Int] = []
        var distinct = true
        var rng = RandomStream(seed: 0)
        let trainer = Trainer(
            network: Network.mlp([1, 4], rng: &rng), stream: stream,
            settings: TrainingSettings(learningRate: 0, batchSize: 2), seed: 0, plugins: [er])
        let data = stream.tasks[0].train
        for start in stride(from: 0, to: 40, by: 2) {
            trainer.batch.removeAll()
            for r in start..<(start + 2) { trainer.batch.append(data, row: r) }
            er.beforeTrainingIteration(trainer)
            sizes.append(trainer.batch.count)
            let replayed = trainer.batch.inputs[2..<trainer.batch.count]
            distinct = distinct && Set(replayed).count == replayed.count
            er.afterUpdate(trainer)
        }
        // memory after each step: 0, 2, 4, 6, 6, ... rows → replayed 0, 2, 4, 4, ...
        XCTAssertEqual(Array(sizes.prefix(5)), [2, 4, 6, 6, 6])
        XCTAssertTrue(distinct)
    }
}
