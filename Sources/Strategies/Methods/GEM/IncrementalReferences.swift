import Learning

/// GEM's reference gradients without recomputing the first layer every step.
///
/// The memories X do not change between steps, and a plain SGD step without projection
/// moves the first layer by a low-rank update: W1 −= lr · dZ1_bᵀ X_b and b1 −= lr · 1ᵀ dZ1_b,
/// with X_b, dZ1_b the minibatch's inputs and first-layer output gradients (rank ≤ batch).
/// So the memories' first-layer outputs follow as
///     Z1 −= lr · (X X_bᵀ + 1) dZ1_b,
/// where X X_bᵀ (memory rows × batch) is cheap. The first layer's part of ⟨g, g_k⟩ is
///     Σ_{r ∈ task k, b} (X X_bᵀ + 1)[r, b] · (dZ1 dZ1_bᵀ)[r, b],
/// so g_k's first-layer entries (the bulk of the work) are formed only when a constraint is
/// violated and the QP needs them. After a projection, or every `resyncInterval` steps, Z1 is
/// recomputed directly, so rounding in the updates cannot accumulate. Needs a `Linear` first
/// layer and SGD without momentum (momentum makes the step full-rank), and the minibatch
/// gradient left as backward wrote it (GEM must be the only plugin changing it).
final class IncrementalReferences: ReferenceGradientSource {
    let references = ReferenceGradients()
    let resyncInterval: Int
    private var firstOutput = FloatBuffer(count: 0)  // Z1 of every memory row
    private var firstGradient = FloatBuffer(count: 0)  // dL/dZ1 of every memory row, task weights included
    private var batchGradient = FloatBuffer(count: 0)  // dZ1_b of the minibatch
    private var cross = FloatBuffer(count: 0)  // X X_bᵀ + 1
    private var products = FloatBuffer(count: 0)  // dZ1 dZ1_bᵀ
    private var batchTransposed = FloatBuffer(count: 0), ones = FloatBuffer(count: 0)
    private var syncedRows = -1  // memory rows at the last recompute; -1: stale
    private var stepsSinceSync = 0
    private var batchRows = 0  // > 0 when `cross` belongs to this step's minibatch

    /// Steps between two direct recomputes of Z1 when nothing forces one earlier.
    static let defaultResyncInterval = 25

    init(resyncInterval: Int = defaultResyncInterval) { self.resyncInterval = resyncInterval }

    static func supports(_ network: Network, momentum: Float) -> Bool {
        network.layers.count > 1 && network.layers[0] is Linear && momentum == 0
    }

    /// Every layer's reference gradients but the first layer's entries, at the current parameters.
    func prepare(
        _ network: Network, data: LabeledData, segments: [Range<Int>], heads: OutputHeads?, threads: Int,
        sparseInputs: SparseRows?
    ) {
        let rows = data.count
        let width = network.layers[0].outputWidth
        if syncedRows != rows || stepsSinceSync >= resyncInterval {
            if firstOutput.count < rows * width {
                firstOutput = FloatBuffer(count: rows * width)
                firstGradient = FloatBuffer(count: rows * width)
            }
            references.forwardFirstLayer(
                network, data: data, threads: threads, sparseInputs: sparseInputs,
                into: firstOutput.pointer)
            (syncedRows, stepsSinceSync) = (rows, 0)
        }
        references.computeAboveFirstLayer(
            network, data: data, segments: segments, heads: heads, threads: threads,
            firstOutput: firstOutput.pointer, firstGradient: firstGradient.pointer)
        batchRows = 0
    }

    /// ⟨g, g_k⟩ for every task k, where g is the network's gradient from its last backward over
    /// the minibatch `batch` (`rows` rows); the first-layer part comes from the products above.
    func dots(
        _ network: Network, data: LabeledData, segments: [Range<Int>], batch: UnsafePointer<Float>, rows b: Int,
        sparseInputs: SparseRows?, threads: Int, into dots: inout [Float]
    ) {
        let first = network.layers[0]
        let rows = data.count
        let width = first.outputWidth
        let p = network.parameterCount
        if cross.count < rows * b {
            cross = FloatBuffer(count: rows * b)
            products = FloatBuffer(count: rows * b)
        }
        if batchGradient.count < b * width { batchGradient = FloatBuffer(count: b * width) }
        batchGradient.pointer.update(from: network.outputGradient(ofLayer: 0), count: b * width)
        if let sparseInputs {
            if batchTransposed.count < b * first.inputWidth {
                batchTransposed = FloatBuffer(count: b * first.inputWidth)
            }
            if ones.count < b { ones = FloatBuffer([Float](repeating: 1, count: b)) }
            transpose(batch, rows: b, columns: first.inputWidth, into: batchTransposed.pointer)
            sparseInputs.multiply(
                batchTransposed.pointer, n: b, start: ones.pointer, into: cross.pointer, lanes: threads)
        } else {
            data.inputs.withUnsafeBufferPointer { x in
                Kernels.gemm(
                    transB: true, m: rows, n: b, k: first.inputWidth, a: x.baseAddress!, lda: first.inputWidth,
                    b: batch, ldb: first.inputWidth, c: cross.pointer, ldc: b)
            }
            for i in 0..<(rows * b) { cross[i] += 1 }
        }
        Kernels.gemm(
            transB: true, m: rows, n: b, k: width, a: firstGradient.pointer, lda: width,
            b: batchGradient.pointer, ldb: width, c: products.pointer, ldc: b)
        batchRows = b
        let firstCount = first.parameterCount  // the first layer's block opens the flat vector
        let g = network.gradients.pointer
        for (k, segment) in segments.enumerated() {
            var sum = 0.0
            for i in (segment.lowerBound * b)..<(segment.upperBound * b) { sum += Double(cross[i] * products[i]) }
            let row = references.row(k)
            dots[k] = Float(sum + Kernels.doubleDot(p - firstCount, g + firstCount, row + firstCount))
        }
    }

    /// Fills in the first layer's entries of every reference gradient (a constraint is violated).
    func formFirstLayer(_ network: Network, data: LabeledData, threads: Int, sparseInputs: SparseRows?) {
        references.addFirstLayer(
            network, data: data, threads: threads, firstOutput: firstOutput.pointer,
            firstGradient: firstGradient.pointer, sparseInputs: sparseInputs)
    }

    /// After the optimizer's step: follow it with the low-rank update, or recompute next time
    /// when the gradient was projected (the step is then no longer low-rank).
    func afterUpdate(_ network: Network, projected: Bool, learningRate: Float) {
        guard batchRows > 0, !projected else {
            syncedRows = -1
            return
        }
        let width = network.layers[0].outputWidth
        Kernels.gemm(
            m: syncedRows, n: width, k: batchRows, alpha: -learningRate, a: cross.pointer, lda: batchRows,
            b: batchGradient.pointer, ldb: width, accumulate: true, c: firstOutput.pointer, ldc: width)
        stepsSinceSync += 1
        batchRows = 0
    }

    // MARK: ReferenceGradientSource

    /// The memories' first-layer outputs as the low-rank updates left them, and when they were
    /// last recomputed: a resumed run must go on from these, not from a fresh recompute. The
    /// other buffers are rewritten every step before they are read.
    func save(into state: inout SavedState) {
        state.set("first_output", floats: firstOutput.array)
        state.set("synced_rows", syncedRows)
        state.set("steps_since_sync", stepsSinceSync)
    }

    func restore(from state: SavedState) throws {
        let values = try state.floats("first_output")
        firstOutput = FloatBuffer(values)
        firstGradient = FloatBuffer(count: values.count)
        syncedRows = try state.int("synced_rows")
        stepsSinceSync = try state.int("steps_since_sync")
        batchRows = 0
    }

    func prepare(_ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?) {
        prepare(
            trainer.network, data: memory.all, segments: memory.segments, heads: trainer.heads,
            threads: trainer.settings.threads, sparseInputs: sparseInputs)
    }

    func constraintDots(
        _ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?,
        into dots: inout [Float]
    ) {
        trainer.batch.inputs.withUnsafeBufferPointer { x in
            self.dots(
                trainer.network, data: memory.all, segments: memory.segments, batch: x.baseAddress!,
                rows: trainer.batch.count, sparseInputs: sparseInputs, threads: trainer.settings.threads,
                into: &dots)
        }
    }

    /// The QP needs whole reference gradients: fills in their first-layer entries (the dots
    /// are already exact up to rounding).
    func matrix(_ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?) -> UnsafeMutablePointer<Float> {
        formFirstLayer(trainer.network, data: memory.all, threads: trainer.settings.threads, sparseInputs: sparseInputs)
        return references.matrix.pointer
    }

    func afterUpdate(_ trainer: Trainer, projected: Bool) {
        afterUpdate(trainer.network, projected: projected, learningRate: trainer.optimizer.learningRate)
    }

    /// The memories' first-layer outputs as currently kept (for tests).
    func firstLayerOutputs(rows: Int, width: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: firstOutput.pointer, count: rows * width))
    }
}
