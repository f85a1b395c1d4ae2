import Benchmarks
import Learning

/// The rows of one training iteration, in reusable buffers (no per-step allocation once
/// the largest batch has been seen).
public struct Minibatch {
    public let width: Int
    public private(set) var inputs: [Float] = []
    public private(set) var labels: [Int32] = []
    public private(set) var tasks: [Int32] = []
    public private(set) var count = 0
    /// The leading rows that get the mean cross-entropy (nil: every row). A plugin that appends
    /// rows for a loss of its own (DER's logit matching) sets it to the rows before its own and
    /// adds their loss in `addLoss`; their cross-entropy gradient is zero. Reset by `removeAll`.
    public var crossEntropyRows: Int?

    public init(width: Int) { self.width = width }

    public mutating func removeAll() {
        count = 0
        crossEntropyRows = nil
    }

    /// Appends row `i` of `data`.
    public mutating func append(_ data: LabeledData, row i: Int) {
        let width = self.width
        append(label: data.labels[i], task: data.tasks[i]) { row in
            data.inputs.withUnsafeBufferPointer { row.update(from: $0.baseAddress! + i * width, count: width) }
        }
    }

    /// Appends row `i` of a task's samples.
    public mutating func append(_ samples: TaskSamples, row i: Int) {
        append(label: samples.labels[i], task: samples.tasks[i]) { samples.copyRow(i, into: $0) }
    }

    private mutating func append(label: Int32, task: Int32, inputs write: (UnsafeMutablePointer<Float>) -> Void) {
        if inputs.count < (count + 1) * width {
            inputs += [Float](repeating: 0, count: (count + 1) * width - inputs.count)
            labels.append(0)
            tasks.append(0)
        }
        let offset = count * width
        inputs.withUnsafeMutableBufferPointer { write($0.baseAddress! + offset) }
        labels[count] = label
        tasks[count] = task
        count += 1
    }
}
