import Learning

/// Test accuracy of a network on labelled data, in large batches (one big matrix product
/// per layer instead of many small ones).
public final class AccuracyEvaluator {
    public let batchSize: Int
    private var predictions: [Int32]

    public init(batchSize: Int = 1000) {
        self.batchSize = batchSize
        predictions = [Int32](repeating: 0, count: batchSize)
    }

    /// Fraction of rows whose predicted class (among the row's task head, if any) is the label.
    public func accuracy(of network: Network, on data: LabeledData, heads: OutputHeads? = nil) -> Double {
        guard data.count > 0 else { return 0 }
        var correct = 0
        data.inputs.withUnsafeBufferPointer { x in
            data.tasks.withUnsafeBufferPointer { tasks in
                predictions.withUnsafeMutableBufferPointer { p in
                    for start in stride(from: 0, to: data.count, by: batchSize) {
                        let rows = min(batchSize, data.count - start)
                        network.predict(x.baseAddress! + start * data.width, rows: rows,
                                        tasks: tasks.baseAddress! + start, heads: heads, into: p.baseAddress!)
                        for r in 0..<rows where p[r] == data.labels[start + r] { correct += 1 }
                    }
                }
            }
        }
        return Double(correct) / Double(data.count)
    }
}
