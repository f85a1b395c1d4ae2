import Learning

/// Where GEM gets, each step, the gradient g_k of every past task's memory and ⟨g, g_k⟩ with
/// the minibatch gradient g: the paper's quantities, computed however is fastest.
protocol ReferenceGradientSource: AnyObject {
    /// Before the minibatch's forward: the reference gradients at the current parameters.
    func prepare(_ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?)
    /// ⟨g, g_k⟩ for every past task k; g is the network's gradient after backward.
    func constraintDots(
        _ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?,
        into dots: inout [Float])
    /// M, the reference gradients as rows (tasks × parameters), complete, for the projection.
    func matrix(_ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?) -> UnsafeMutablePointer<Float>
    /// After the optimizer step; `projected` tells whether g was replaced.
    func afterUpdate(_ trainer: Trainer, projected: Bool)
    /// The gradients as currently held (rows may lack parts not yet needed).
    var references: ReferenceGradients { get }
    /// What is carried from one step to the next, for checkpoints.
    func save(into state: inout SavedState)
    func restore(from state: SavedState) throws
}

/// The textbook computation: one batched pass over every memory each step, and Mg as long dot products.
final class DirectReferences: ReferenceGradientSource {
    let references = ReferenceGradients()

    func prepare(_ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?) {
        references.compute(
            trainer.network, data: memory.all, segments: memory.segments, heads: trainer.heads,
            threads: trainer.settings.threads, sparseInputs: sparseInputs)
    }

    func constraintDots(
        _ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?,
        into dots: inout [Float]
    ) {
        let p = trainer.network.parameterCount
        Kernels.dots(
            count: memory.taskCount, n: p, rows: references.matrix.pointer, stride: p,
            x: trainer.network.gradients.pointer, into: &dots)
    }

    func matrix(_ trainer: Trainer, memory: EpisodicMemory, sparseInputs: SparseRows?) -> UnsafeMutablePointer<Float> {
        references.matrix.pointer
    }

    func afterUpdate(_ trainer: Trainer, projected: Bool) {}

    /// Nothing: every step computes the gradients afresh.
    func save(into state: inout SavedState) {}
    func restore(from state: SavedState) throws {}
}
