import Data
import Learning

/// Split benchmarks: the classes dealt in order to the tasks, `classes / tasks` each (Split
/// MNIST's 5 tasks: 0/1, 2/3, ...), with every training and test sample of those classes.
public enum SplitBenchmark {
    /// - Parameters:
    ///   - scenario: `.taskIncremental` masks each task's head to its classes;
    ///     `.classIncremental` uses one 10-way head.
    ///   - tasks: any divisor of the class count (at least 2).
    ///   - classOrder: the order in which classes are dealt (default 0, 1, 2, ...).
    public static func make(
        _ source: LoadedDataset, scenario: Scenario, tasks: Int = 5,
        classOrder: [Int]? = nil, samplesPerTask: Int? = nil,
        testSamplesPerTask: Int? = nil, seed: UInt64
    ) -> TaskStream {
        precondition(scenario != .domainIncremental, "split benchmarks are task- or class-incremental")
        let classCount = source.name.classCount
        let order = classOrder ?? Array(0..<classCount)
        precondition(
            order.count == classCount && tasks >= 1 && classCount % tasks == 0,
            "\(tasks) tasks cannot share \(classCount) classes evenly")
        let perTask = classCount / tasks
        var built: [BenchmarkTask] = []
        for t in 0..<tasks {
            let classes = Array(order[(t * perTask)..<((t + 1) * perTask)])
            var sampleRNG = RandomStream(seed: seed, purpose: "split/samples/\(t)")
            var trainIndices = (0..<source.train.count).filter { classes.contains(Int(source.train.labels[$0])) }
            if let n = samplesPerTask {
                trainIndices = drawSamples(min(n, trainIndices.count), of: trainIndices.count, &sampleRNG)
                    .map { trainIndices[$0] }
            }
            var testIndices = (0..<source.test.count).filter { classes.contains(Int(source.test.labels[$0])) }
            if let n = testSamplesPerTask { testIndices = Array(testIndices.prefix(n)) }
            built.append(
                BenchmarkTask(
                    index: t,
                    train: TaskSamples(ImageRows(source.train, indices: trainIndices), task: t),
                    test: TaskSamples(ImageRows(source.test, indices: testIndices), task: t),
                    classes: classes.sorted(), permutation: nil, angle: nil))
        }
        return TaskStream(
            name: "split-\(source.name.rawValue)-\(scenario == .taskIncremental ? "task-il" : "class-il")",
            scenario: scenario, tasks: built,
            inputShape: source.train.shape, classCount: classCount)
    }
}
