import Learning

/// Loss gradients of memory segments (one per past task), all in one batched pass:
/// one forward over every memory row, one backward whose per-row output gradients are
/// scaled by 1/|segment|, and one weight-gradient product per segment and layer.
/// Row k of `matrix` is then the mean-loss gradient of segment k, in the model's flat layout.
public final class ReferenceGradients {
    private(set) var matrix = FloatBuffer(count: 0)
    private(set) var count = 0
    /// Parameters per row.
    private(set) var columns = 0
    private var logitGradient: [Float] = []
    private var weights: [Float] = []
    private var targets: [GradientTarget] = []
    private var firstOutput = FloatBuffer(count: 0), firstGradient = FloatBuffer(count: 0)

    public init() {}

    /// Computes the gradient of each segment's mean loss at the network's current parameters.
    /// With `sparseInputs` (`data`'s inputs, `segments` as its segments) and a `Linear` first
    /// layer, that layer's products skip the zero inputs: the same sums up to their order.
    public func compute(
        _ network: Network, data: LabeledData, segments: [Range<Int>], heads: OutputHeads?,
        threads: Int, sparseInputs: SparseRows? = nil, oneBatch: Bool = false
    ) {
        if let sparseInputs, network.layers[0] is Linear {
            let size = data.count * network.layers[0].outputWidth
            if firstOutput.count < size {
                (firstOutput, firstGradient) = (FloatBuffer(count: size), FloatBuffer(count: size))
            }
            forwardFirstLayer(
                network, data: data, threads: threads, sparseInputs: sparseInputs, into: firstOutput.pointer)
            computeAboveFirstLayer(
                network, data: data, segments: segments, heads: heads, threads: threads,
                firstOutput: firstOutput.pointer, firstGradient: firstGradient.pointer)
            addFirstLayer(
                network, data: data, threads: threads, firstOutput: firstOutput.pointer,
                firstGradient: firstGradient.pointer, sparseInputs: sparseInputs)
            return
        }
        if !oneBatch, segments.count > 1, network.layers.contains(where: { $0 is RowSegmented }) {
            computePerSegment(network, data: data, segments: segments, heads: heads, threads: threads)
            return
        }
        data.inputs.withUnsafeBufferPointer { x in
            pass(
                network, input: x.baseAddress!, fromLayer: 0, data: data, segments: segments, heads: heads,
                threads: threads, inputGradient: nil)
        }
    }

    /// Models with batch norm: each segment (a past task's memory) is its own train-mode batch,
    /// as the GEM reference code runs them: batch statistics per task, running statistics
    /// updated task after task, and one task's activations held at a time.
    private func computePerSegment(
        _ network: Network, data: LabeledData, segments: [Range<Int>],
        heads: OutputHeads?, threads: Int
    ) {
        let p = network.parameterCount
        if matrix.count < segments.count * p { matrix = FloatBuffer(count: segments.count * p) }
        (count, columns) = (segments.count, p)
        let single = ReferenceGradients()
        for (k, segment) in segments.enumerated() {
            let part = data.rows(Array(segment))
            single.compute(
                network, data: part, segments: [0..<part.count], heads: heads, threads: threads,
                oneBatch: true)
            row(k).update(from: single.row(0), count: p)
        }
    }

    /// The first layer's outputs over `data` (rows × width), skipping zero inputs when
    /// `sparseInputs` are given and the layer is `Linear`.
    func forwardFirstLayer(
        _ network: Network, data: LabeledData, threads: Int, sparseInputs: SparseRows?,
        into firstOutput: UnsafeMutablePointer<Float>
    ) {
        if let sparseInputs, let first = network.layers[0] as? Linear {
            first.forward(sparseInputs, firstOutput, parameters: network.parameters.pointer, lanes: threads)
            return
        }
        data.inputs.withUnsafeBufferPointer { x in
            data.tasks.withUnsafeBufferPointer { t in
                network.layers[0].forward(
                    x.baseAddress!, firstOutput, rows: data.count,
                    parameters: network.parameters.pointer, tasks: t.baseAddress!)
            }
        }
    }

    /// The same for every layer above the first, from the first layer's outputs `firstOutput`
    /// (rows × width); writes dL/d(first layer's output), per-row weights included, into
    /// `firstGradient`. The first layer's entries of the rows are left as they were until `addFirstLayer`.
    func computeAboveFirstLayer(
        _ network: Network, data: LabeledData, segments: [Range<Int>], heads: OutputHeads?,
        threads: Int, firstOutput: UnsafePointer<Float>,
        firstGradient: UnsafeMutablePointer<Float>
    ) {
        pass(
            network, input: firstOutput, fromLayer: 1, data: data, segments: segments, heads: heads,
            threads: threads, inputGradient: firstGradient)
    }

    /// Adds the first layer's parameter gradients to every row, from what `computeAboveFirstLayer` left
    /// (skipping zero inputs when `sparseInputs` are given and the first layer is `Linear`).
    func addFirstLayer(
        _ network: Network, data: LabeledData, threads: Int, firstOutput: UnsafePointer<Float>,
        firstGradient: UnsafePointer<Float>, sparseInputs: SparseRows? = nil
    ) {
        let firstCount = network.layers[0].parameterCount
        for k in 0..<count { row(k).update(repeating: 0, count: firstCount) }
        if let sparseInputs, let first = network.layers[0] as? Linear {
            first.addGradients(sparseInputs, dy: firstGradient, targets: targets, lanes: threads)
            return
        }
        data.inputs.withUnsafeBufferPointer { x in
            data.tasks.withUnsafeBufferPointer { t in
                network.layers[0].backward(
                    x: x.baseAddress!, y: firstOutput, dy: firstGradient, dx: nil,
                    rows: data.count, parameters: network.parameters.pointer,
                    targets: targets, tasks: t.baseAddress!)
            }
        }
    }

    private func pass(
        _ network: Network, input: UnsafePointer<Float>, fromLayer first: Int, data: LabeledData,
        segments: [Range<Int>], heads: OutputHeads?, threads: Int,
        inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let p = network.parameterCount
        count = segments.count
        columns = p
        if matrix.count < count * p { matrix = FloatBuffer(count: count * p) }
        // the blocks of skipped layers are zeroed by `addFirstLayer`, and only when it is needed
        let skipped = network.layers[..<first].reduce(0) { $0 + $1.parameterCount }
        for k in 0..<count { (matrix.pointer + k * p + skipped).update(repeating: 0, count: p - skipped) }
        let rows = segments.last?.upperBound ?? 0
        guard rows > 0 else { return }
        let classes = network.outputWidth
        if logitGradient.count < rows * classes { logitGradient = [Float](repeating: 0, count: rows * classes) }
        if weights.count < rows { weights = [Float](repeating: 0, count: rows) }
        targets.removeAll(keepingCapacity: true)
        for (k, segment) in segments.enumerated() {
            for r in segment { weights[r] = 1 / Float(segment.count) }
            targets.append(GradientTarget(rows: segment, gradient: matrix.pointer + k * p))
        }
        data.tasks.withUnsafeBufferPointer { t in
            data.labels.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { w in
                    logitGradient.withUnsafeMutableBufferPointer { g in
                        let logits = network.forward(input, rows: rows, tasks: t.baseAddress!, fromLayer: first)
                        _ = SoftmaxCrossEntropy.lossAndGradient(
                            logits: logits, labels: y.baseAddress!, rows: rows, classes: classes,
                            weights: w.baseAddress!, tasks: t.baseAddress!, heads: heads, gradient: g.baseAddress!)
                    }
                }
            }
        }
        logitGradient.withUnsafeBufferPointer {
            network.backward($0.baseAddress!, targets: targets, inputGradient: inputGradient)
        }
    }

    /// Pointer to row k: segment k's gradient in the network's flat layout.
    public func row(_ k: Int) -> UnsafeMutablePointer<Float> { matrix.pointer + k * columns }
}
