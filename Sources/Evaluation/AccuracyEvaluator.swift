import Benchmarks
import Learning

/// Test accuracy of a network on task samples, `batchSize` rows at a time (one large product
/// per layer instead of many small ones).
///
/// An MLP (`SparseMLP`) is evaluated over its test inputs' non-zeros, built once per test set
/// and kept (a fifth of an MNIST image's pixels), on `lanes` threads: each block of rows is
/// computed entirely by one lane in a fixed way, so accuracies do not depend on the lanes.
/// Other networks, and strategies that predict by themselves, go through `Predictor` on one
/// thread.
public final class AccuracyEvaluator {
    public let batchSize: Int
    public let lanes: Int
    private var predictions: [Int32]
    private var scratch: [Float] = []

    /// Writes the predicted class of `rows` inputs (row-major) with their task ids.
    public typealias Predictor = (
        _ inputs: UnsafePointer<Float>, _ rows: Int, _ tasks: UnsafePointer<Int32>,
        _ predictions: UnsafeMutablePointer<Int32>
    ) -> Void

    public init(batchSize: Int = 1000, lanes: Int = 1) {
        self.batchSize = batchSize
        self.lanes = max(1, lanes)
        predictions = [Int32](repeating: 0, count: batchSize)
    }

    /// Accuracy on each of `sets` by the network's argmax (among each row's task head, if any).
    public func accuracies(of network: Network, on sets: [TaskSamples], heads: OutputHeads? = nil) -> [Double] {
        guard let mlp = SparseMLP(network) else {
            return sets.map { data in
                accuracy(on: data) { x, rows, tasks, p in
                    network.predict(x, rows: rows, tasks: tasks, heads: heads, into: p)
                }
            }
        }
        // work items: (set, first row) blocks; each item's count of correct rows is its own output
        let blocks = sets.indices.flatMap { s in stride(from: 0, to: sets[s].count, by: batchSize).map { (s, $0) } }
        var correct = [Int](repeating: 0, count: blocks.count)
        let laneCount = min(lanes, max(blocks.count, 1))
        let buffers = (0..<laneCount).map { _ in SparseMLP.Buffers() }
        correct.withUnsafeMutableBufferPointer { correct in
            forEachLane(blocks.count, lanes: laneCount) { lane, items in
                for item in items {
                    let (s, start) = blocks[item]
                    let data = sets[s]
                    let rows = start..<min(start + batchSize, data.count)
                    correct[item] = mlp.correct(rows, of: data, set: s, heads: heads, buffers: buffers[lane])
                }
            }
        }
        var perSet = [Int](repeating: 0, count: sets.count)
        for (item, (s, _)) in blocks.enumerated() { perSet[s] += correct[item] }
        return sets.indices.map { sets[$0].count > 0 ? Double(perSet[$0]) / Double(sets[$0].count) : 0 }
    }

    /// Fraction of rows whose class by `predict` is the label, `batchSize` rows at a time.
    public func accuracy(on data: TaskSamples, predict: Predictor) -> Double {
        guard data.count > 0 else { return 0 }
        var correct = 0
        data.tasks.withUnsafeBufferPointer { tasks in
            predictions.withUnsafeMutableBufferPointer { p in
                for start in stride(from: 0, to: data.count, by: batchSize) {
                    let rows = min(batchSize, data.count - start)
                    data.withRows(start..<(start + rows), scratch: &scratch) { x in
                        predict(x, rows, tasks.baseAddress! + start, p.baseAddress!)
                    }
                    for r in 0..<rows where p[r] == data.labels[start + r] { correct += 1 }
                }
            }
        }
        return Double(correct) / Double(data.count)
    }
}

/// A network of `Linear` layers with `ReLU`s between them, its first layer possibly routed by
/// task (`TaskRoutedLinear`, the multimodal model), evaluated with the first layer over sparse
/// input rows and every activation in caller-owned buffers (the layers' dense forwards keep no
/// state), so several lanes can evaluate one network at once.
struct SparseMLP {
    let network: Network
    let inputWidth: Int, firstWidth: Int
    /// Where the first layer's parameters for a row of task t start (weights, then biases).
    let firstOffset: (Int32) -> Int

    /// Per-lane buffers: the first layer's weights as the sparse rows' product needs them
    /// (for the set and parameters they were last made for), activations and predictions.
    final class Buffers {
        var weightsFor = (set: -1, offset: -1)
        var firstWeights: [Float] = []
        var activations: [[Float]] = []
        var predictions: [Int32] = []
    }

    init?(_ network: Network) {
        guard network.layers.count > 1, network.layers.dropFirst().allSatisfy({ $0 is Linear || $0 is ReLU })
        else { return nil }
        switch network.layers[0] {
        case let first as Linear:
            (inputWidth, firstWidth, firstOffset) = (first.inputWidth, first.outputWidth, { _ in first.offset })
        case let first as TaskRoutedLinear:
            (inputWidth, firstWidth, firstOffset) = (
                first.inputWidth, first.outputWidth, { first.offset(ofTask: Int($0)) }
            )
        default:
            return nil
        }
        self.network = network
    }

    /// How many of `rows` of `data` the network classifies correctly.
    func correct(_ rows: Range<Int>, of data: TaskSamples, set: Int, heads: OutputHeads?, buffers: Buffers) -> Int {
        let (sparse, inputOfColumn) = data.sparse
        let parameters = UnsafePointer(network.parameters.pointer)
        let n = firstWidth
        let width = inputWidth
        let layers = network.layers
        if buffers.activations.count < layers.count {
            buffers.activations = layers.map { _ in [] }
        }
        for (i, layer) in layers.enumerated() where buffers.activations[i].count < rows.count * layer.outputWidth {
            buffers.activations[i] = [Float](repeating: 0, count: rows.count * layer.outputWidth)
        }
        if buffers.predictions.count < rows.count { buffers.predictions = [Int32](repeating: 0, count: rows.count) }
        // the first layer, over each run of rows of one task (a test set is one task: one run)
        data.tasks.withUnsafeBufferPointer { tasks in
            forEachTaskRun(rows, tasks: tasks.baseAddress!) { task, run in
                let offset = firstOffset(task)
                let w = parameters + offset
                reorderWeights(at: offset, for: set, inputOfColumn: inputOfColumn, into: buffers)
                buffers.firstWeights.withUnsafeBufferPointer { b in
                    buffers.activations[0].withUnsafeMutableBufferPointer { y in
                        sparse.multiply(
                            rows: run, b.baseAddress!, n: n, start: w + width * n,
                            into: y.baseAddress! + (run.lowerBound - rows.lowerBound) * n)
                    }
                }
            }
        }
        for i in 1..<layers.count {
            let x = buffers.activations[i - 1]
            x.withUnsafeBufferPointer { x in
                buffers.activations[i].withUnsafeMutableBufferPointer { y in
                    data.tasks.withUnsafeBufferPointer { t in
                        layers[i].forward(
                            x.baseAddress!, y.baseAddress!, rows: rows.count, parameters: parameters,
                            tasks: t.baseAddress! + rows.lowerBound)
                    }
                }
            }
        }
        var correct = 0
        buffers.activations[layers.count - 1].withUnsafeBufferPointer { logits in
            data.tasks.withUnsafeBufferPointer { t in
                buffers.predictions.withUnsafeMutableBufferPointer { p in
                    network.argmax(
                        logits.baseAddress!, rows: rows.count, tasks: t.baseAddress! + rows.lowerBound,
                        heads: heads, into: p.baseAddress!)
                    for (k, r) in rows.enumerated() where p[k] == data.labels[r] { correct += 1 }
                }
            }
        }
        return correct
    }

    /// B[c, j] = W[j, input of column c] for the first-layer weights W at parameter `offset`: the
    /// product over the set's sparse columns is then X·B. Kept while the set and the weights stay the same.
    private func reorderWeights(at offset: Int, for set: Int, inputOfColumn: [Int32]?, into buffers: Buffers) {
        guard buffers.weightsFor != (set, offset) else { return }
        let w = UnsafePointer(network.parameters.pointer) + offset
        let n = firstWidth
        let width = inputWidth
        if buffers.firstWeights.count < width * n { buffers.firstWeights = [Float](repeating: 0, count: width * n) }
        buffers.firstWeights.withUnsafeMutableBufferPointer { b in
            for c in 0..<width {
                let input = inputOfColumn.map { Int($0[c]) } ?? c
                for j in 0..<n { b[c * n + j] = w[j * width + input] }
            }
        }
        buffers.weightsFor = (set, offset)
    }
}
