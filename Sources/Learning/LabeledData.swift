/// Row-major Float32 inputs with integer labels and each row's task id.
public struct LabeledData: Sendable {
    public var inputs: [Float]
    public var labels: [Int32]
    public var tasks: [Int32]
    public let width: Int
    public var count: Int { labels.count }

    public init(inputs: [Float], labels: [Int32], tasks: [Int32], width: Int) {
        precondition(
            inputs.count == labels.count * width && tasks.count == labels.count,
            "inputs, labels and tasks disagree on the number of rows")
        self.inputs = inputs
        self.labels = labels
        self.tasks = tasks
        self.width = width
    }

    public init(width: Int) { self.init(inputs: [], labels: [], tasks: [], width: width) }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> LabeledData {
        var out = LabeledData(width: width)
        out.reserve(indices.count)
        for i in indices { out.append(self, row: i) }
        return out
    }

    public mutating func reserve(_ n: Int) {
        inputs.reserveCapacity(n * width)
        labels.reserveCapacity(n)
        tasks.reserveCapacity(n)
    }

    public mutating func append(_ other: LabeledData, row i: Int) {
        inputs.append(contentsOf: other.inputs[(i * width)..<((i + 1) * width)])
        labels.append(other.labels[i])
        tasks.append(other.tasks[i])
    }

    public mutating func append(contentsOf other: LabeledData) {
        inputs.append(contentsOf: other.inputs)
        labels.append(contentsOf: other.labels)
        tasks.append(contentsOf: other.tasks)
    }
}
