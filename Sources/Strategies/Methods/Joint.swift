import Benchmarks
import Learning

/// The offline upper bound: one model trained on the union of every task's training data,
/// shuffled together, for the same number of epochs. There is no task sequence: the accuracy
/// matrix is one row, the final evaluation, and BWT/FWT are undefined.
public enum Joint: StrategyDefinition {
    public static let name = "joint"
    public static let abstract = "offline training on all tasks at once (upper bound; one accuracy row)"
    public static let parameters: [StrategyParameter] = []
    /// The union of every task's training rows.
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(context.tasks) * Double(context.samplesPerTask ?? context.availablePerTask ?? 0)
    }
    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] { [JointSchedule()] }
}

/// Replaces the task sequence by one experience holding every task's training rows.
final class JointSchedule: StatelessPlugin {
    func experiences(of stream: TaskStream) -> [BenchmarkTask]? {
        var union = LabeledData(width: stream.inputWidth)
        for task in stream.tasks { union.append(contentsOf: task.train.materialized) }
        return [BenchmarkTask(index: 0, train: union, test: union, classes: [], permutation: nil, angle: nil)]
    }
}
