/// GEM's gradient projection (Lopez-Paz & Ranzato 2017, eq. 10–11), on plain arrays.
///
/// With `M` the K×P matrix whose rows are the memories' gradients g_k and `g` the current
/// gradient, GEM solves the dual QP
///
///     v = argmin ½ vᵀ(MMᵀ + εI)v + (Mg)ᵀv   subject to   v ≥ memoryStrength
///
/// and replaces `g` with `g̃ = Mᵀv + g`. This is the problem the GEM reference code passes to
/// quadprog (`solve_qp(MMᵀ + εI, -Mg, I, memory_strength)`), and the answers agree with
/// quadprog's to ~1e-10 relative on `Tests/Fixtures/gem-qp-cases.json`.
///
/// Note: `g̃` is **not** `g` when no constraint is violated unless `memoryStrength == 0`
/// (then `v = 0` and `g̃ == g` exactly); the GEM plugin only projects when some
/// ⟨g, g_k⟩ < 0. Also, because of the ε ridge, the projection guarantees
/// ⟨g̃, g_k⟩ ≥ −ε·v_k (not ≥ 0); equality holds for every k with `v_k > memoryStrength`.
///
/// These are thin wrappers over ``DualQP``: they form the Gram matrix and `Mg` and allocate
/// their own workspace. For the per-step hot path, call ``DualQP`` with pre-formed data.
public enum GEMProjection {
    /// Dual vector v of  min ½ vᵀ(MMᵀ + εI)v + (Mg)ᵀv  s.t. v ≥ memoryStrength
    /// (M: K×P, rows = the memories' gradients).
    ///
    /// - Parameters:
    ///   - memories: K rows, each of length P = `gradient.count`. K = 0 gives `[]`.
    ///   - gradient: the current gradient g (P values).
    ///   - memoryStrength: lower bound of every `v_k` (GEM's `memory_strength`, finite).
    ///   - eps: ridge ε > 0 on the diagonal of MMᵀ (GEM: 1e-3).
    /// - Returns: v (K values); entries on their bound are exactly `memoryStrength`.
    /// - Precondition: every row has `gradient.count` entries; all entries of `memories` and
    ///   `gradient`, and `memoryStrength`, are finite; `eps` is finite and > 0. Violations trap
    ///   (`precondition`), they are programming or divergence errors, not recoverable states.
    public static func solveDual(
        memories: [[Double]], gradient: [Double], memoryStrength: Double,
        eps: Double = 1e-3
    ) -> [Double] {
        solveDualWithResult(
            memories: memories, gradient: gradient, memoryStrength: memoryStrength,
            eps: eps
        ).dual
    }

    /// Projected gradient g̃ = Mᵀv + g, with v from
    /// ``solveDual(memories:gradient:memoryStrength:eps:)``. K = 0 gives `gradient` unchanged.
    ///
    /// Same parameters and preconditions as ``solveDual(memories:gradient:memoryStrength:eps:)``.
    public static func project(
        memories: [[Double]], gradient: [Double], memoryStrength: Double,
        eps: Double = 1e-3
    ) -> [Double] {
        let v = solveDual(memories: memories, gradient: gradient, memoryStrength: memoryStrength, eps: eps)
        return projected(memories: memories, gradient: gradient, dual: v)
    }

    /// ``solveDual(memories:gradient:memoryStrength:eps:)`` plus the solver's ``DualQPResult``
    /// (active-set size, iterations, convergence).
    public static func solveDualWithResult(
        memories: [[Double]], gradient: [Double], memoryStrength: Double,
        eps: Double = 1e-3
    ) -> (dual: [Double], result: DualQPResult) {
        let k = memories.count
        let p = gradient.count
        precondition(eps.isFinite && eps > 0, "GEMProjection: eps must be finite and > 0 (got \(eps))")
        precondition(memoryStrength.isFinite, "GEMProjection: memoryStrength must be finite (got \(memoryStrength))")
        for (i, row) in memories.enumerated() {
            precondition(
                row.count == p,
                "GEMProjection: memory row \(i) has \(row.count) entries, gradient has \(p)")
            for x in row { precondition(x.isFinite, "GEMProjection: memory row \(i) has a non-finite entry") }
        }
        for x in gradient { precondition(x.isFinite, "GEMProjection: gradient has a non-finite entry") }
        if k == 0 { return ([], DualQPResult(activeCount: 0, freeCount: 0, iterations: 0, converged: true)) }

        // Lower triangle of MMᵀ and Mg (plain dot products).
        var gram = [Double](repeating: 0, count: k * k)
        var linear = [Double](repeating: 0, count: k)
        for i in 0..<k {
            memories[i].withUnsafeBufferPointer { mi in
                for j in 0...i {
                    gram[i * k + j] = memories[j].withUnsafeBufferPointer { dot(mi, $0) }
                }
                linear[i] = gradient.withUnsafeBufferPointer { dot(mi, $0) }
            }
        }
        var v = [Double](repeating: 0, count: k)
        var workspace = [Double](repeating: 0, count: DualQP.workspaceCount(for: k))
        let result = gram.withUnsafeBufferPointer { gp in
            linear.withUnsafeBufferPointer { lp in
                v.withUnsafeMutableBufferPointer { vp in
                    workspace.withUnsafeMutableBufferPointer { wp in
                        DualQP.solve(
                            gram: gp.baseAddress!, linear: lp.baseAddress!, count: k,
                            memoryStrength: memoryStrength, eps: eps,
                            solution: vp.baseAddress!, workspace: wp.baseAddress!)
                    }
                }
            }
        }
        return (v, result)
    }

    /// g̃ = Mᵀv + g for a given dual vector v (K values, one per memory row).
    public static func projected(memories: [[Double]], gradient: [Double], dual v: [Double]) -> [Double] {
        precondition(
            v.count == memories.count,
            "GEMProjection.projected: dual has \(v.count) entries, \(memories.count) memories")
        var out = [Double](repeating: 0, count: gradient.count)
        for (k, row) in memories.enumerated() {
            precondition(row.count == gradient.count, "GEMProjection.projected: memory row \(k) has the wrong length")
            let vk = v[k]
            for p in 0..<row.count { out[p] += vk * row[p] }
        }
        for p in 0..<gradient.count { out[p] += gradient[p] }
        return out
    }

    @inline(__always)
    private static func dot(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }
}
