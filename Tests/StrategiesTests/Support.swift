import Benchmarks
import Foundation
import Learning
import QuadraticProgram
import TestSupport
import XCTest

@testable import Strategies

/// Builds a trainer the way runs do: the strategy's model variant and plugins from its definition.
func strategyTrainer(
    _ definition: StrategyDefinition.Type, _ values: StrategyValues, hidden: [Int],
    stream: TaskStream, settings: TrainingSettings, seed: UInt64
) throws -> Trainer {
    let model = ModelSpec.mlp(hidden: hidden)
    let make = { (variant: ModelVariant, rng: inout RandomStream) throws -> Network in
        try model.build(
            inputShape: stream.inputShape, classes: stream.classCount, tasks: stream.tasks.count,
            variant: variant, rng: &rng)
    }
    var rng = RandomStream(seed: seed, purpose: "init")
    let network = try make(definition.modelVariant(values), &rng)
    let plugins = try definition.makePlugins(
        values,
        StrategyBuild(
            stream: stream, seed: seed, model: model,
            makeNetwork: make))
    return Trainer(network: network, stream: stream, settings: settings, seed: seed, plugins: plugins)
}

/// Calls back before each experience (in plugin order).
final class ExperienceObserver: StatelessPlugin {
    let callback: (Int, Trainer) -> Void
    init(_ callback: @escaping (Int, Trainer) -> Void) { self.callback = callback }
    func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) { callback(task.index, trainer) }
}

/// Mean cross-entropy over `data`, each row's logits masked to its task's classes, computed
/// in float64 here (not by `SoftmaxCrossEntropy`).
func maskedMeanLoss(_ net: Network, _ data: LabeledData, heads: OutputHeads) -> Double {
    let logits = Array(
        UnsafeBufferPointer(
            start: net.forward(data.inputs, rows: data.count),
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

/// A task-incremental stream: 2 tasks of 2 classes each out of 4, labels within the task's pair.
func taskIncrementalStream(samples n: Int) -> TaskStream {
    var rng = RandomStream(seed: 31)
    let tasks = (0..<2).map { t -> BenchmarkTask in
        func data() -> LabeledData {
            LabeledData(
                inputs: (0..<(n * 6)).map { _ in 2 * rng.unitFloat() - 1 },
                labels: (0..<n).map { _ in Int32(2 * t + rng.below(2)) },
                tasks: [Int32](repeating: Int32(t), count: n), width: 6)
        }
        return BenchmarkTask(index: t, train: data(), test: data(), classes: [2 * t, 2 * t + 1])
    }
    return TaskStream(name: "ti", scenario: .taskIncremental, tasks: tasks, inputShape: [6], classCount: 4)
}

/// Records every minibatch it sees.
final class BatchObserver: StatelessPlugin {
    let onBatch: (Minibatch) -> Void
    init(_ onBatch: @escaping (Minibatch) -> Void) { self.onBatch = onBatch }
    func beforeTrainingIteration(_ trainer: Trainer) { onBatch(trainer.batch) }
}

// SI, MAS and RWalk checked against a second implementation in Double of what their papers and
// the A-GEM code define, on a model small enough to follow by hand: one linear layer from one
// input to three classes, θ = [w0, w1, w2, b0, b1, b2], z_c = w_c x + b_c, trained with plain SGD
// (or momentum) on two samples per task in minibatches of both (each step's gradient is the
// mean over the task).
/// The tiny model in Double.
enum Tiny {
    static let classes = 3, count = 6

    static func logits(_ theta: [Double], _ x: Double) -> [Double] {
        (0..<classes).map { theta[$0] * x + theta[classes + $0] }
    }

    /// ∇ of the mean softmax cross-entropy over `data`.
    static func lossGradient(_ theta: [Double], _ data: LabeledData) -> [Double] {
        var g = [Double](repeating: 0, count: count)
        for r in 0..<data.count {
            let x = Double(data.inputs[r])
            let y = Int(data.labels[r])
            let z = logits(theta, x)
            let e = z.map { Foundation.exp($0 - z.max()!) }
            let sum = e.reduce(0, +)
            for c in 0..<classes {
                let dz = (e[c] / sum - (c == y ? 1 : 0)) / Double(data.count)
                g[c] += dz * x
                g[classes + c] += dz
            }
        }
        return g
    }

    /// ∇ of ‖z(x)‖² = Σ_c z_c² for one input.
    static func outputNormGradient(_ theta: [Double], _ x: Double) -> [Double] {
        let dz = logits(theta, x).map { 2 * $0 }
        return dz.map { $0 * x } + dz
    }

    /// The penalty's gradient 2λ Ω (θ − θ*).
    static func penaltyGradient(_ lambda: Double, _ omega: [Double], _ theta: [Double], _ anchor: [Double]) -> [Double]
    {
        (0..<count).map { 2 * lambda * omega[$0] * (theta[$0] - anchor[$0]) }
    }

    /// A trainer of the tiny model over `tasks` tasks of two samples each, batches of both.
    static func trainer(
        _ plugin: Plugin, tasks: Int = 2, epochs: Int, lr: Float, momentum: Float = 0,
        seed: UInt64
    ) -> Trainer {
        let stream = syntheticStream(tasks: tasks, samples: 2, width: 1, classes: classes, seed: seed)
        var rng = RandomStream(seed: seed)
        let net = Network.mlp([1, classes], rng: &rng)
        var settings = TrainingSettings(learningRate: lr, batchSize: 2, epochs: epochs, momentum: momentum)
        settings.threads = 1
        return Trainer(network: net, stream: stream, settings: settings, seed: seed, plugins: [plugin])
    }
}

func assertClose(
    _ ours: [Float], _ truth: [Double], relative: Double = 1e-4, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(ours.count, truth.count, what, file: file, line: line)
    for (i, (a, b)) in zip(ours, truth).enumerated() {
        XCTAssertEqual(Double(a), b, accuracy: relative * max(1, abs(b)), "\(what) [\(i)]", file: file, line: line)
    }
}
