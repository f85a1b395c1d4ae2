import Benchmarks
import Learning
import TestSupport
import XCTest

@testable import Strategies

/// Calls `onLoss` in `addLoss`, after the plugins before it have added theirs.
private final class LossProbe: StatelessPlugin {
    let onLoss: (Trainer, UnsafePointer<Float>) -> Void
    init(_ onLoss: @escaping (Trainer, UnsafePointer<Float>) -> Void) { self.onLoss = onLoss }
    func addLoss(_ trainer: Trainer, logits: UnsafePointer<Float>, logitGradient: UnsafeMutablePointer<Float>) -> Double
    {
        onLoss(trainer, logits)
        return 0
    }
}

/// Mean cross-entropy of `rows` (inputs row-major), computed in float64 here.
private func meanCrossEntropy(_ logits: [Float], labels: [Int32], classes: Int) -> Double {
    let rows = labels.count
    var total = 0.0
    for r in 0..<rows {
        let z = (0..<classes).map { Double(logits[r * classes + $0]) }
        let top = z.max()!
        total += top + log(z.map { exp($0 - top) }.reduce(0, +)) - z[Int(labels[r])]
    }
    return total / Double(rows)
}

final class DERTests: XCTestCase {
    func testLogitMatchingIsAlphaTimesTheMeanSquaredErrorWithItsGradient() {
        // rows 2 × classes 2: differences (1, −2, 0.5, 0) → Σd² = 5.25, mean 1.3125; α = 0.4 → 0.525
        let z: [Float] = [1, -1, 2, 3]
        let stored: [Float] = [0, 1, 1.5, 3]
        var gradient: [Float] = [10, 10, 10, 10]  // adds to what is there
        let loss = DERPlugin.logitMatching(
            logits: z, stored: stored, rows: 2, classes: 2, alpha: 0.4, gradient: &gradient)
        XCTAssertEqual(loss, 0.525, accuracy: 1e-6)
        // 2α d / 4 = 0.2 d
        XCTAssertEqual(gradient, [10.2, 9.6, 10.1, 10], "")
    }

    /// One DER++ step: the trainer's loss and parameter gradient equal the float64 loss
    /// CE(minibatch) + α MSE(logits of the first replay rows, their stored logits) + β CE(second
    /// replay rows) and its central finite differences; the replay rows get no plain cross-entropy.
    func testDERPlusPlusStepLossAndGradientMatchFiniteDifferences() throws {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 3)
        let net = Network.mlp([6, 5, 3], rng: &rng)
        let settings = DERSettings(memorySize: 8, alpha: 0.7, beta: 0.4, replayBatchSize: 4)
        let der = DERPlugin(settings, width: 6, classCount: 3, seed: 3)
        let first = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 3, plugins: [der])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try first.train(on: stream.tasks[0], of: 2, progress: nil, into: &result)
        XCTAssertEqual(der.filledSlots, 8)

        var captured: (batch: Minibatch, stored: [Float])?
        let probe = LossProbe { trainer, _ in
            captured = (trainer.batch, der.matchSlots.flatMap { der.storedLogits(ofSlot: $0) })
        }
        let step = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0, batchSize: 5),
            seed: 3, plugins: [der, probe])
        for r in 0..<5 { step.batch.append(stream.tasks[1].train, row: r) }
        let loss = step.step()
        let gradient = net.gradients.array.map(Double.init)
        let (batch, stored) = try XCTUnwrap(captured)
        XCTAssertEqual(batch.count, 5 + 4 + 4)
        XCTAssertEqual(batch.crossEntropyRows, 5)

        func reference() -> Double {
            let logits = Array(UnsafeBufferPointer(start: net.forward(batch.inputs, rows: 13), count: 13 * 3))
            let ce = meanCrossEntropy(Array(logits[0..<15]), labels: Array(batch.labels[0..<5]), classes: 3)
            let mse = zip(logits[15..<27], stored).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 12
            let replayCE = meanCrossEntropy(Array(logits[27..<39]), labels: Array(batch.labels[9..<13]), classes: 3)
            return ce + 0.7 * mse + 0.4 * replayCE
        }
        XCTAssertEqual(loss, reference(), accuracy: 1e-5)
        XCTAssertGreaterThan(stored.map(abs).max()!, 0.01, "the stored logits are not all zero")
        for (i, numeric) in finiteDifferences(net, reference) {
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 2e-3, "parameter \(i)")
        }
    }

    /// The memory stores each kept sample's logits from the forward pass of the step it was
    /// seen in, before the update; plain DER (β = 0) appends only the logit-matching rows.
    func testMemoryKeepsTheLogitsOfTheStepBeforeTheUpdate() throws {
        let stream = syntheticStream(tasks: 1, samples: 10)
        var rng = RandomStream(seed: 5)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let der = DERPlugin(
            DERSettings(memorySize: 50, alpha: 1, beta: 0, replayBatchSize: 3), width: 6, classCount: 3,
            seed: 5)
        var before: [[Float]] = []  // the network's logits on each row, captured before each update
        var sizes: [Int] = []
        let probe = LossProbe { trainer, logits in
            sizes.append(trainer.batch.count)
            for r in 0..<5 { before.append(Array(UnsafeBufferPointer(start: logits + r * 3, count: 3))) }
        }
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.5, batchSize: 5),
            seed: 5, plugins: [der, probe])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        XCTAssertEqual(sizes, [5, 5 + 3])
        XCTAssertEqual(der.filledSlots, 10)  // memory larger than the stream: every sample, in order
        let memory = try XCTUnwrap(der.episodicMemory)
        var order = RandomStream(seed: 5, purpose: "order/0/0")
        let seenOrder = order.permutation(10)
        for slot in 0..<10 {
            let row = seenOrder[slot]
            XCTAssertEqual(
                Array(memory.inputs[(slot * 6)..<(slot * 6 + 6)]),
                Array(stream.tasks[0].train.materialized.inputs[(row * 6)..<(row * 6 + 6)]))
            XCTAssertEqual(der.storedLogits(ofSlot: slot), before[slot], "slot \(slot)")
        }
        // the second step's update changed the network: its logits now differ from those stored
        let now = Array(UnsafeBufferPointer(start: net.forward(Array(memory.inputs[54..<60]), rows: 1), count: 3))
        XCTAssertNotEqual(now, der.storedLogits(ofSlot: 9))
    }

    /// Reservoir sampling: over 300 seeds each of 30 samples is in a memory of 6 about 60 times
    /// (binomial sd ≈ 6.9), the memory never holds a sample twice, and it fills to its size.
    func testMemoryIsAReservoirOverTheStream() {
        let n = 30
        let data = LabeledData(
            inputs: (0..<n).map(Float.init), labels: [Int32](repeating: 0, count: n),
            tasks: [Int32](repeating: 0, count: n), width: 1)
        let stream = TaskStream(
            name: "indexed", scenario: .domainIncremental,
            tasks: [BenchmarkTask(index: 0, train: data, test: data, classes: [0, 1])],
            inputShape: [1], classCount: 2)
        var kept = [Int](repeating: 0, count: n)
        for seed in 0..<300 {
            let der = DERPlugin(
                DERSettings(memorySize: 6, alpha: 1, beta: 0, replayBatchSize: 2), width: 1,
                classCount: 2, seed: UInt64(seed))
            var rng = RandomStream(seed: 0)
            let trainer = Trainer(
                network: Network.mlp([1, 2], rng: &rng), stream: stream,
                settings: TrainingSettings(learningRate: 0, batchSize: 5), seed: 0, plugins: [der])
            for start in stride(from: 0, to: n, by: 5) {
                trainer.batch.removeAll()
                for r in start..<(start + 5) { trainer.batch.append(data, row: r) }
                trainer.step()
            }
            let memory = der.episodicMemory!
            XCTAssertEqual(memory.count, 6)
            XCTAssertEqual(Set(memory.inputs).count, 6)
            for x in memory.inputs { kept[Int(x)] += 1 }
        }
        for (sample, count) in kept.enumerated() {
            XCTAssertEqual(Double(count), 60, accuracy: 5 * 6.93, "sample \(sample)")
        }
    }
}
