import Benchmarks
import Dispatch
import Learning

/// The offline upper bound: one model trained on the union of every task's training data,
/// shuffled together, for the same number of epochs. There is no task sequence: the accuracy
/// matrix is one row, the final evaluation, and BWT/FWT are undefined.
public final class JointTraining {
    public let trainer: Trainer

    public init(network: Network, stream: TaskStream, settings: TrainingSettings, seed: UInt64) {
        trainer = Trainer(network: network, stream: stream, settings: settings, seed: seed, plugins: [])
    }

    public func run(progress: ProgressHandler? = nil) throws -> TrainingResult {
        let stream = trainer.stream
        var result = TrainingResult(accuracy: [], randomInitAccuracy: trainer.evaluateAll())
        var union = LabeledData(width: stream.inputWidth)
        for task in stream.tasks { union.append(contentsOf: task.train) }
        let merged = BenchmarkTask(index: 0, train: union, test: union, classes: [], permutation: nil, angle: nil)
        let start = DispatchTime.now()
        try trainer.train(on: merged, progress: progress.map { report in { _, _, done, total in report(0, 1, done, total) } },
                          into: &result)
        result.taskTrainSeconds = [seconds(since: start)]
        let evalStart = DispatchTime.now()
        let final = trainer.evaluateAll()
        result.taskEvalSeconds = [seconds(since: evalStart)]
        result.accuracy = [final]
        trainer.finish(&result)
        return result
    }
}
