import Learning

/// Test accuracy of a network on labelled data, in large batches (one big matrix product
/// per layer instead of many small ones).
public final class AccuracyEvaluator {
    public let batchSize: Int
    private var predictions: [Int32]

    /// Writes the predicted class of `rows` inputs (row-major) with their task ids.
    public typealias Predictor = (_ inputs: UnsafePointer<Float>, _ rows: Int, _ tasks: UnsafePointer<Int32>,
                                  _ predictions: UnsafeMutablePointer<Int32>) -> Void

    public init(batchSize: Int = 1000) {
        self.batchSize = batchSize
        predictions = [Int32](repeating: 0, count: batchSize)
    }

    /// Fraction of rows whose predicted class (among the row's task head, if any) is the label.
    public func accuracy(of network: Network, on data: LabeledData, heads: OutputHeads? = nil) -> Double {
        accuracy(on: data) { x, rows, tasks, p in network.predict(x, rows: rows, tasks: tasks, heads: heads, into: p) }
    }

    /// Fraction of rows whose class by `predict` is the label, `batchSize` rows at a time.
    public func accuracy(on data: LabeledData, predict: Predictor) -> Double {
        guard data.count > 0 else { return 0 }
        var correct = 0
        data.inputs.withUnsafeBufferPointer { x in
            data.tasks.withUnsafeBufferPointer { tasks in
                predictions.withUnsafeMutableBufferPointer { p in
                    for start in stride(from: 0, to: data.count, by: batchSize) {
                        let rows = min(batchSize, data.count - start)
                        predict(x.baseAddress! + start * data.width, rows, tasks.baseAddress! + start, p.baseAddress!)
                        for r in 0..<rows where p[r] == data.labels[start + r] { correct += 1 }
                    }
                }
            }
        }
        return Double(correct) / Double(data.count)
    }
}
