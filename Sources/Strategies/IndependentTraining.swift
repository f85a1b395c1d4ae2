import Benchmarks
import Dispatch
import Learning

/// The GEM paper's "independent" baseline: one small network per task, each with the
/// hidden width divided by the number of tasks (100 / 20 = 5 units per layer), so the
/// total capacity matches the single model. With `warmStart`, task t's network starts from
/// task t−1's trained weights, as the paper's runs do. Task j is always evaluated with
/// network j (still at its initialisation before task j is trained).
public final class IndependentTraining {
    public let networks: [Network]
    public let stream: TaskStream
    public let settings: TrainingSettings
    public let seed: UInt64
    public let warmStart: Bool
    /// Set to stop at the next iteration boundary (Ctrl-C).
    public var shouldStop: () -> Bool = { false }

    /// - Parameter sizes: the single model's layer sizes; hidden widths are divided among tasks.
    public init(sizes: [Int], stream: TaskStream, settings: TrainingSettings, seed: UInt64, warmStart: Bool) {
        let tasks = stream.tasks.count
        let small = sizes.enumerated().map { i, width in
            i == 0 || i == sizes.count - 1 ? width : max(1, width / tasks)
        }
        var rng = RandomStream(seed: seed, purpose: "init")
        networks = (0..<tasks).map { _ in Network.mlp(small, rng: &rng) }
        self.stream = stream
        self.settings = settings
        self.seed = seed
        self.warmStart = warmStart
    }

    private func trainer(_ t: Int) -> Trainer {
        let trainer = Trainer(network: networks[t], stream: stream, settings: settings, seed: seed, plugins: [])
        trainer.shouldStop = shouldStop
        return trainer
    }

    private func evaluateAll() -> [Double] {
        stream.tasks.map { trainer($0.index).evaluate($0) }
    }

    public func run(progress: ProgressHandler? = nil) throws -> TrainingResult {
        var result = TrainingResult(accuracy: [], randomInitAccuracy: evaluateAll())
        for task in stream.tasks {
            if warmStart && task.index > 0 { networks[task.index].parameters.copy(from: networks[task.index - 1].parameters) }
            let start = DispatchTime.now()
            try trainer(task.index).train(on: task, progress: progress, into: &result)
            result.taskTrainSeconds.append(seconds(since: start))
            let evalStart = DispatchTime.now()
            result.accuracy.append(evaluateAll())
            result.taskEvalSeconds.append(seconds(since: evalStart))
        }
        for (t, network) in networks.enumerated() {
            result.layout += network.layout.map {
                ParameterBlock(name: "task\(t).\($0.name)", shape: $0.shape, offset: result.parameters.count + $0.offset)
            }
            result.parameters += network.parameters.array
        }
        return result
    }
}
