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

    public init() {}

    /// Computes the gradient of each segment's mean loss at the network's current parameters.
    public func compute(_ network: Network, data: LabeledData, segments: [Range<Int>], heads: OutputHeads?, threads: Int) {
        let p = network.parameterCount
        count = segments.count
        columns = p
        if matrix.count < count * p { matrix = FloatBuffer(count: count * p) }
        matrix.pointer.update(repeating: 0, count: count * p)
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
        BLAS.setThreads(threads)
        defer { BLAS.setThreads(1) }
        data.inputs.withUnsafeBufferPointer { x in
            data.tasks.withUnsafeBufferPointer { t in
                data.labels.withUnsafeBufferPointer { y in
                    weights.withUnsafeBufferPointer { w in
                        logitGradient.withUnsafeMutableBufferPointer { g in
                            let logits = network.forward(x.baseAddress!, rows: rows, tasks: t.baseAddress!)
                            _ = SoftmaxCrossEntropy.lossAndGradient(
                                logits: logits, labels: y.baseAddress!, rows: rows, classes: classes,
                                weights: w.baseAddress!, tasks: t.baseAddress!, heads: heads, gradient: g.baseAddress!)
                        }
                    }
                }
            }
        }
        logitGradient.withUnsafeBufferPointer { network.backward($0.baseAddress!, targets: targets) }
    }

    /// Pointer to row k.
    public func row(_ k: Int, parameterCount p: Int) -> UnsafeMutablePointer<Float> { matrix.pointer + k * p }
}
