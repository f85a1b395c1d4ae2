import Learning

/// How tasks share the output layer.
public enum Scenario: String, Sendable, CaseIterable, Codable {
    /// One head per task: each task's logits are masked to its own classes (Split MNIST "task-IL").
    case taskIncremental = "task-incremental"
    /// One head for every class seen so far, no task id at test time (Split MNIST "class-IL").
    case classIncremental = "class-incremental"
    /// Same classes in every task, one shared head (permuted and rotated MNIST).
    case domainIncremental = "domain-incremental"
}

/// One task: its training and test sets, and what defines it.
public struct BenchmarkTask: Sendable {
    public let index: Int
    public var train: TaskSamples
    public var test: TaskSamples
    /// The classes this task's samples belong to.
    public let classes: [Int]
    /// Permuted benchmarks: input pixel i of a task sample is original pixel permutation[i].
    public let permutation: [Int32]?
    /// Rotated benchmarks: the rotation angle in degrees (counter-clockwise).
    public let angle: Double?

    public init(
        index: Int, train: TaskSamples, test: TaskSamples, classes: [Int],
        permutation: [Int32]? = nil, angle: Double? = nil
    ) {
        (self.index, self.train, self.test, self.classes, self.permutation, self.angle) =
            (index, train, test, classes, permutation, angle)
    }

    /// A task whose samples hold their floats.
    public init(
        index: Int, train: LabeledData, test: LabeledData, classes: [Int],
        permutation: [Int32]? = nil, angle: Double? = nil
    ) {
        self.init(
            index: index, train: TaskSamples(train), test: TaskSamples(test), classes: classes,
            permutation: permutation, angle: angle)
    }
}

/// A seeded sequence of tasks, built once per run.
public struct TaskStream: Sendable {
    /// e.g. "permuted-mnist", "split-mnist".
    public let name: String
    public let scenario: Scenario
    public let tasks: [BenchmarkTask]
    /// Channels × height × width of one input (its rows are flattened channel-major).
    public let inputShape: [Int]
    public var inputWidth: Int { inputShape.reduce(1, *) }
    public let classCount: Int

    public init(name: String, scenario: Scenario, tasks: [BenchmarkTask], inputShape: [Int], classCount: Int) {
        (self.name, self.scenario, self.tasks, self.inputShape, self.classCount) =
            (name, scenario, tasks, inputShape, classCount)
    }

    /// Heads for task-incremental streams; nil when all classes share one head.
    public var heads: OutputHeads? {
        scenario == .taskIncremental
            ? OutputHeads(classCount: classCount, classesPerTask: tasks.map(\.classes)) : nil
    }
}
