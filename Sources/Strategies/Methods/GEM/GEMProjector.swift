import Learning
import QuadraticProgram

/// PROJECT(g, g_1, …, g_{t−1}) of GEM's Algorithm 1: the gradient closest to g that does not
/// point against any past task's reference gradient.
///
/// With G the reference gradients as rows, the dual of the projection (the paper's dual QP, with
/// the reference code's margin and a small ridge εI for a Gram matrix of dependent rows) is
///     min ½ vᵀ(GGᵀ + εI)v + (Gg)ᵀv   s.t.  v ≥ memoryStrength,
/// solved in float64 (`DualQP`), and g̃ = Gᵀv* + g. GGᵀ is float32 16-chain dots.
/// Owns its buffers, sized for the most past tasks seen so far.
final class GEMProjector {
    let memoryStrength: Float
    let eps: Double
    private var gram: [Float] = [], gram64: [Double] = [], dots64: [Double] = []
    private var dual: [Double] = [], dual32: [Float] = [], workspace: [Double] = []

    init(memoryStrength: Float, eps: Double) { (self.memoryStrength, self.eps) = (memoryStrength, eps) }

    /// What one step's check and projection did.
    struct Outcome {
        /// Past tasks with ⟨g, g_k⟩ < 0.
        var violated: Int
        /// Past tasks whose constraint the projection holds at equality (the QP's free set).
        var binding: Int
        /// The smallest ⟨g̃, g_k⟩ after projection, or ⟨g, g_k⟩ without; NaN when unknown.
        var minDot: Float
        /// Whether g was replaced by g̃.
        var projected: Bool

        static let noPastTask = Outcome(violated: 0, binding: 0, minDot: .nan, projected: false)
    }

    /// Checks `dots` (⟨g, g_k⟩ for `tasks` past tasks) and, when a constraint is violated,
    /// replaces `gradient` (`count` values) by g̃. `references` gives G (tasks × count) and is
    /// called only then. A non-finite g or GGᵀ cannot be projected: g is left for the trainer,
    /// which stops the run at its loss.
    func project(
        _ gradient: UnsafeMutablePointer<Float>, count p: Int, dots: [Float], tasks k: Int,
        references: () -> UnsafeMutablePointer<Float>
    ) -> Outcome {
        let violated = dots[0..<k].filter { $0 < 0 }.count
        guard violated > 0 && dots[0..<k].allSatisfy(\.isFinite) else {
            return Outcome(violated: violated, binding: 0, minDot: dots[0..<k].min()!, projected: false)
        }
        resize(k)
        let m = references()
        Kernels.gram(count: k, n: p, rows: m, stride: p, into: &gram)
        for i in 0..<(k * k) { gram64[i] = Double(gram[i]) }
        for i in 0..<k { dots64[i] = Double(dots[i]) }
        guard gram64[0..<(k * k)].allSatisfy(\.isFinite) else {
            return Outcome(violated: violated, binding: 0, minDot: .nan, projected: false)
        }
        let result = DualQP.solve(
            gram: gram64, linear: dots64, count: k, memoryStrength: Double(memoryStrength),
            eps: eps, solution: &dual, workspace: &workspace)
        // g̃ = Gᵀv + g
        for i in 0..<k { dual32[i] = Float(dual[i]) }
        Kernels.gemm(
            transA: true, m: p, n: 1, k: k, a: m, lda: p, b: dual32, ldb: 1, accumulate: true, c: gradient, ldc: 1)
        // ⟨g̃, g_i⟩ = ⟨g, g_i⟩ + (GGᵀv)_i, from the QP's own inputs rather than another pass over G
        var smallest = Double.infinity
        for i in 0..<k {
            var s = dots64[i]
            for j in 0..<k { s += gram64[i * k + j] * dual[j] }
            smallest = min(smallest, s)
        }
        return Outcome(violated: violated, binding: result.freeCount, minDot: Float(smallest), projected: true)
    }

    private func resize(_ k: Int) {
        guard dots64.count < k else { return }
        gram = [Float](repeating: 0, count: k * k)
        gram64 = [Double](repeating: 0, count: k * k)
        dots64 = [Double](repeating: 0, count: k)
        dual = [Double](repeating: 0, count: k)
        dual32 = [Float](repeating: 0, count: k)
        workspace = [Double](repeating: 0, count: DualQP.workspaceCount(for: k))
    }
}
