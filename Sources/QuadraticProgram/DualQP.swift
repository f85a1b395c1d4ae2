// GEM's dual quadratic program: an exact active-set solver in float64.
//
// Problem (K variables, one per past task):
//
//     minimise   ½ vᵀ(G + εI)v + qᵀv      subject to   v_k ≥ s   for every k
//
// with G = MMᵀ (the Gram matrix of the memories' gradients, K×K), q = Mg and s the
// memory strength. This is exactly what the GEM reference code hands to quadprog's
// `solve_qp(P = G + εI, q = -Mg, C = I, b = s)` (quadprog minimises ½xᵀPx − qᵀx subject
// to Cᵀx ≥ b, so its `q = -Mg` is our `+Mg` linear term).
//
// Method. Substitute v = s + u, u ≥ 0: a bound-constrained strictly convex QP
//     minimise ½ uᵀHu + cᵀu,  u ≥ 0,   H = G + εI,  c = q + s·H·1.
// Solve it with the Lawson–Hanson primal active-set method (the finite algorithm for
// NNLS-type problems, here on the Hessian directly): start at u = 0 with every variable on
// its bound; repeatedly free the bound variable with the most negative (diagonally scaled)
// gradient, solve the equality-constrained problem on the free block with a Cholesky
// factorisation, and if that solution leaves the feasible region, step to the boundary and
// put the blocking variables back on their bounds. Each outer step strictly decreases the
// objective, so the method is finite. In floating point an outer step is accepted only if
// the computed objective decreases and the entering variable really leaves its bound;
// otherwise it is undone and that variable is barred until some other step succeeds. With
// the iteration cap this guarantees termination. Every free-block solve is iteratively
// refined with compensated (error-free-transformation) residuals, a correction being kept
// only if it lowers the scaled residual, and the final free block is polished the same way
// against the original v-space data.
//
// Why it never fails where quadprog can: every pivot of the exact Cholesky factorisation of
// a principal submatrix of G + εI (G positive semidefinite) is at least ε, so a computed
// pivot below ε can only be rounding error and is clamped to ε; refinement then corrects
// the solve against the true matrix. Rank-deficient memories and K > P are therefore fine.
//
// Accuracy. On GEM's problems (ε = 1e-3) the answers meet the KKT conditions to ~1e-16
// relative and agree with quadprog to ~1e-10. When cond(G + εI) approaches 1/(unit
// roundoff) (e.g. ε ≪ 1e-3 with nearly parallel memories scaled to 1e6) the QP is no longer
// determined by its float64 data; the solver still terminates with a finite, exactly
// feasible point, but its optimality is then only as good as that conditioning allows.

/// Outcome of one ``DualQP/solve(gram:linear:count:memoryStrength:eps:solution:workspace:)`` call.
public struct DualQPResult: Sendable, Equatable, CustomStringConvertible {
    /// Number of constraints **active at the solution**: indices k with
    /// `v_k == memoryStrength` exactly (the variable sits on its bound; its multiplier,
    /// the gradient component `((G + εI)v + q)_k`, is ≥ 0 up to rounding).
    public var activeCount: Int
    /// Number of **free** variables: indices k with `v_k > memoryStrength`; for these the
    /// gradient component `((G + εI)v + q)_k` is 0 up to rounding. `activeCount + freeCount == K`.
    public var freeCount: Int
    /// Number of free-block linear solves performed by the active-set loop (each one is an
    /// active-set iteration; the final refinement is not counted).
    public var iterations: Int
    /// `true` when the active-set loop stopped because the optimality conditions held; `false`
    /// only if the iteration cap was hit (then `solution` is still feasible and refined on its
    /// final free set, but may not be optimal). Never observed on GEM problems.
    public var converged: Bool

    public init(activeCount: Int, freeCount: Int, iterations: Int, converged: Bool) {
        self.activeCount = activeCount
        self.freeCount = freeCount
        self.iterations = iterations
        self.converged = converged
    }

    public var description: String {
        "DualQPResult(active: \(activeCount), free: \(freeCount), iterations: \(iterations), converged: \(converged))"
    }
}

/// Low-level, allocation-free solver of GEM's dual QP
///
///     minimise ½ vᵀ(G + εI)v + qᵀv   subject to   v_k ≥ memoryStrength,  k = 0..<K
///
/// where `G = MMᵀ` is the K×K Gram matrix of the memories' gradients and `q = Mg`.
/// The GEM plugin forms `G` and `q` itself (16-chain dot products, `Kernels.gram`) and calls
/// ``solve(gram:linear:count:memoryStrength:eps:solution:workspace:)`` every step with a
/// reusable workspace of ``workspaceCount(for:)`` doubles; the projected gradient is then
/// `g̃ = Mᵀv + g`. ``GEMProjection`` wraps this for plain arrays.
public enum DualQP {
    /// Number of `Double`s the `workspace` of a problem with `count` variables must hold:
    /// `count² + 11·count`.
    @inlinable
    public static func workspaceCount(for count: Int) -> Int {
        precondition(count >= 0, "DualQP.workspaceCount: count must be non-negative")
        return count * count + 11 * count
    }

    /// Active-set iteration cap for a problem with `count` variables (`64 + 16·count`).
    /// The Lawson–Hanson loop typically needs fewer than `2·count` iterations.
    @inlinable
    public static func maxIterations(for count: Int) -> Int { 64 + 16 * count }

    /// Solves the dual QP exactly (to rounding) in float64.
    ///
    /// - Parameters:
    ///   - gram: `G = MMᵀ`, K×K, row-major, **without** the ε ridge. Only the lower triangle
    ///     (`gram[i*K + j]` with `j ≤ i`) is read, so a one-triangle `syrk` result is enough
    ///     and the matrix is symmetric by construction.
    ///   - linear: `q = Mg` (K values): the linear term of the objective, i.e. the dot
    ///     products ⟨g_k, g⟩ of each memory gradient with the current gradient.
    ///     (quadprog's `q` argument in the reference code is `-Mg`.)
    ///   - count: K ≥ 0. With K = 0 nothing is read or written and the result is empty.
    ///   - memoryStrength: the lower bound s of every `v_k` (GEM's `memory_strength`; finite,
    ///     any sign).
    ///   - eps: the ridge ε > 0 added to the diagonal (GEM uses 1e-3). Must be finite and > 0;
    ///     it makes the Hessian strictly positive definite, so the solution is unique.
    ///   - solution: output, K values; receives v. Entries on their bound are exactly
    ///     `memoryStrength`. May not alias `gram`, `linear` or `workspace`.
    ///   - workspace: scratch space of at least ``workspaceCount(for:)`` doubles; its contents
    ///     on entry are ignored and on exit are unspecified.
    ///   - maxIterations: the active-set iteration cap (default `maxIterations(for:)`); tests lower it.
    /// - Returns: active-set size, free count, iteration count and convergence flag.
    /// - Precondition: `count ≥ 0`; `eps` finite and > 0; `memoryStrength` finite; the read
    ///   entries of `gram` and `linear` finite. Violations (e.g. NaN/∞ gradients) trap with a
    ///   message rather than return garbage: the caller must check for non-finite gradients
    ///   before projecting.
    @discardableResult
    public static func solve(
        gram: UnsafePointer<Double>,
        linear: UnsafePointer<Double>,
        count n: Int,
        memoryStrength s: Double,
        eps: Double,
        solution v: UnsafeMutablePointer<Double>,
        workspace: UnsafeMutablePointer<Double>,
        maxIterations: Int? = nil
    ) -> DualQPResult {
        precondition(n >= 0, "DualQP.solve: count must be non-negative")
        precondition(eps.isFinite && eps > 0, "DualQP.solve: eps must be finite and > 0 (got \(eps))")
        precondition(s.isFinite, "DualQP.solve: memoryStrength must be finite (got \(s))")
        if n == 0 { return DualQPResult(activeCount: 0, freeCount: 0, iterations: 0, converged: true) }
        for i in 0..<n {
            precondition(linear[i].isFinite, "DualQP.solve: linear term (Mg) has a non-finite entry at \(i)")
            for j in 0...i {
                precondition(
                    gram[i * n + j].isFinite, "DualQP.solve: Gram matrix has a non-finite entry at (\(i), \(j))")
            }
        }
        var solver = Solver(gram: gram, q: linear, n: n, s: s, eps: eps, workspace: workspace)
        return solver.run(into: v, cap: maxIterations ?? DualQP.maxIterations(for: n))
    }
}

/// The algorithm's state; all storage lives in the caller's workspace.
@usableFromInline
struct Solver {
    let gram: UnsafePointer<Double>
    let q: UnsafePointer<Double>
    let n: Int
    let s: Double
    let eps: Double

    // Workspace layout (n² + 11n doubles).
    let chol: UnsafeMutablePointer<Double>  // n×n, Cholesky factor of the packed free block (row stride n)
    let u: UnsafeMutablePointer<Double>  // current iterate, u = v − s ≥ 0
    let c: UnsafeMutablePointer<Double>  // u-space linear term c = q + s·H·1
    let cScale: UnsafeMutablePointer<Double>  // rounding scale of c: |q| + |s|·Σ|H_kj|
    let z: UnsafeMutablePointer<Double>  // candidate solution on the free set (0 off it)
    let state: UnsafeMutablePointer<Double>  // 0 = on bound, 1 = free, 2 = on bound & barred from entering
    let idx: UnsafeMutablePointer<Double>  // packed indices of the free set (small integers as doubles)
    let rhs: UnsafeMutablePointer<Double>  // packed residual
    let tmp: UnsafeMutablePointer<Double>  // packed correction
    let xSave: UnsafeMutablePointer<Double>  // packed iterate before a refinement step
    let uSave: UnsafeMutablePointer<Double>  // u before an outer step
    let stateSave: UnsafeMutablePointer<Double>  // state before an outer step

    var freeCount = 0  // number of entries in idx after `pack()`

    init(
        gram: UnsafePointer<Double>, q: UnsafePointer<Double>, n: Int, s: Double, eps: Double,
        workspace w: UnsafeMutablePointer<Double>
    ) {
        self.gram = gram
        self.q = q
        self.n = n
        self.s = s
        self.eps = eps
        chol = w
        u = w + n * n
        c = u + n
        cScale = c + n
        z = cScale + n
        state = z + n
        idx = state + n
        rhs = idx + n
        tmp = rhs + n
        xSave = tmp + n
        uSave = xSave + n
        stateSave = uSave + n
    }

    /// G_ij read from the lower triangle.
    @inline(__always)
    func g(_ i: Int, _ j: Int) -> Double { i >= j ? gram[i * n + j] : gram[j * n + i] }

    /// Hessian entry H_ij = G_ij + ε·[i == j].
    @inline(__always)
    func h(_ i: Int, _ j: Int) -> Double { i == j ? gram[i * n + i] + eps : g(i, j) }

    /// `lin[k] + (H x)_k` for a full-length x, accumulated with error-free transformations
    /// (TwoProduct by fma, TwoSum), i.e. as if in twice the working precision; and the
    /// magnitude `|lin[k]| + Σ_j |H_kj x_j|` it was computed from.
    @inline(__always)
    func row(_ k: Int, _ x: UnsafePointer<Double>, _ lin: UnsafePointer<Double>?) -> (value: Double, scale: Double) {
        let l = lin?[k] ?? 0
        var sum = l
        var err = 0.0
        var scale = abs(l)
        @inline(__always) func add(_ a: Double, _ b: Double) {
            let p = a * b
            let ep = (-p).addingProduct(a, b)  // a·b − p exactly
            let t = sum + p
            let bp = t - sum
            err += ((sum - (t - bp)) + (p - bp)) + ep  // TwoSum error + product error
            sum = t
            scale += abs(p)
        }
        for j in 0..<n where x[j] != 0 {
            add(g(k, j), x[j])
            if j == k { add(eps, x[j]) }
        }
        return (sum + err, scale)
    }

    static let free = 1.0, bound = 0.0, barred = 2.0

    mutating func run(into v: UnsafeMutablePointer<Double>, cap: Int) -> DualQPResult {
        // u-space data: c = q + s·H·1, and the magnitude it was computed from.
        for k in 0..<n { v[k] = s }
        for k in 0..<n {
            let (ck, scale) = row(k, v, q)
            c[k] = ck
            cScale[k] = scale
            u[k] = 0
            z[k] = 0
            state[k] = Solver.bound
        }

        var iterations = 0
        var converged = false
        // Relative tolerance on the gradient of a bound variable before it may enter.
        let gradTol = 16.0 * Double(n + 4) * Double.ulpOfOne

        outer: while iterations < cap {
            // Entering variable: the bound one with the most negative (scaled) gradient.
            var entering = -1
            var best = 0.0
            for k in 0..<n where state[k] == Solver.bound {
                let (grad, scale) = row(k, u, c)
                let w = -grad
                if w > gradTol * (scale + cScale[k]) {
                    let score = w / (gram[k * n + k] + eps).squareRoot()
                    if score > best {
                        best = score
                        entering = k
                    }
                }
            }
            if entering < 0 {
                converged = true
                break
            }
            for k in 0..<n {
                uSave[k] = u[k]
                stateSave[k] = state[k]
            }
            state[entering] = Solver.free

            var firstPass = true
            var rejected = false
            while true {
                iterations += 1
                solveFree()  // z ← argmin on the current free set, z = 0 off it
                var feasible = true
                for k in 0..<n where state[k] == Solver.free && !(z[k] > 0) {
                    feasible = false
                    break
                }
                if feasible {
                    for k in 0..<n { u[k] = state[k] == Solver.free ? z[k] : 0 }
                    break
                }
                if firstPass && !(z[entering] > 0) {
                    // In exact arithmetic freeing a variable with a negative gradient makes
                    // it positive; failing that, its gradient was rounding noise.
                    rejected = true
                    break
                }
                firstPass = false
                // Step from u towards z until the first free variable hits its bound.
                var alpha = 1.0
                var blocking = -1
                for k in 0..<n where state[k] == Solver.free && !(z[k] > 0) {
                    let denom = u[k] - z[k]
                    let ratio = denom > 0 ? u[k] / denom : 0
                    if blocking < 0 || ratio < alpha {
                        alpha = ratio
                        blocking = k
                    }
                }
                for k in 0..<n where state[k] == Solver.free { u[k] += alpha * (z[k] - u[k]) }
                for k in 0..<n where state[k] == Solver.free && (k == blocking || !(u[k] > 0)) {
                    u[k] = 0
                    state[k] = Solver.bound
                }
                if iterations >= cap { break outer }  // u is feasible; polished below
            }
            if !rejected && objectiveChange() < 0 {
                // Progress: barred variables may be tried again.
                for k in 0..<n where state[k] == Solver.barred { state[k] = Solver.bound }
                continue outer
            }
            // No (computable) progress: undo the step and bar the entering variable.
            for k in 0..<n {
                u[k] = uSave[k]
                state[k] = stateSave[k]
            }
            state[entering] = Solver.barred
        }

        // Back to v-space: bound variables exactly at s; free ones polished by iterative
        // refinement of (H v + q)_F = 0 against the original data.
        for k in 0..<n {
            if state[k] == Solver.barred { state[k] = Solver.bound }
            v[k] = state[k] == Solver.free ? s + u[k] : s
        }
        pack()
        if freeCount > 0 {
            factor()
            refine(v, q, startFromZero: false)
            for a in 0..<freeCount {
                let k = Int(idx[a])
                if !(v[k] > s) { v[k] = s }  // rounding-level infeasibility: clamp to the bound
            }
        }
        var active = 0
        for k in 0..<n where v[k] == s { active += 1 }
        return DualQPResult(
            activeCount: active, freeCount: n - active, iterations: iterations,
            converged: converged)
    }

    /// f(u) − f(uSave) for f(u) = ½uᵀHu + cᵀu, evaluated as dᵀ(∇f(uSave) + ½Hd) with
    /// d = u − uSave (in `z`) and compensated rows, so it is accurate relative to the change
    /// itself rather than to f.
    func objectiveChange() -> Double {
        for k in 0..<n { z[k] = u[k] - uSave[k] }
        var change = 0.0
        for k in 0..<n where z[k] != 0 {
            change += z[k] * (row(k, uSave, c).value + 0.5 * row(k, z, nil).value)
        }
        return change
    }

    /// Collects the free indices into `idx[0..<freeCount]`.
    mutating func pack() {
        freeCount = 0
        for k in 0..<n where state[k] == Solver.free {
            idx[freeCount] = Double(k)
            freeCount += 1
        }
    }

    /// Cholesky factorisation H_FF = L Lᵀ of the packed free block into `chol` (lower part).
    /// Pivots below ε are rounding error (exact pivots of a principal block of G + εI are ≥ ε)
    /// and are clamped to ε, so the factorisation never fails.
    func factor() {
        let m = freeCount
        for a in 0..<m {
            let ka = Int(idx[a])
            for b in 0...a {
                let kb = Int(idx[b])
                var sum = h(ka, kb)
                for t in 0..<b { sum -= chol[a * n + t] * chol[b * n + t] }
                if a == b {
                    let pivot = sum >= eps ? sum : eps
                    chol[a * n + a] = pivot.squareRoot()
                } else {
                    chol[a * n + b] = sum / chol[b * n + b]
                }
            }
        }
    }

    /// tmp ← (L Lᵀ)⁻¹ rhs on the packed free block.
    func substitute() {
        let m = freeCount
        for a in 0..<m {
            var sum = rhs[a]
            for t in 0..<a { sum -= chol[a * n + t] * tmp[t] }
            tmp[a] = sum / chol[a * n + a]
        }
        var a = m - 1
        while a >= 0 {
            var sum = tmp[a]
            for t in (a + 1)..<m { sum -= chol[t * n + a] * tmp[t] }
            tmp[a] = sum / chol[a * n + a]
            a -= 1
        }
    }

    /// rhs ← −(lin + H x)_F (packed); returns its largest component relative to the
    /// magnitudes it was computed from.
    func residual(_ x: UnsafePointer<Double>, _ lin: UnsafePointer<Double>) -> Double {
        var worst = 0.0
        for a in 0..<freeCount {
            let (value, scale) = row(Int(idx[a]), x, lin)
            rhs[a] = -value
            let rel = abs(value) / max(scale, .leastNormalMagnitude)
            if rel > worst { worst = rel }
        }
        return worst
    }

    /// Solves (lin + H x)_F = 0 for x_F (x full-length; entries off F are held fixed) with the
    /// current factorisation and iterative refinement on compensated residuals. A correction
    /// is kept only if it lowers the scaled residual (the first one, from x_F = 0, always).
    func refine(_ x: UnsafeMutablePointer<Double>, _ lin: UnsafePointer<Double>, startFromZero: Bool) {
        let m = freeCount
        if startFromZero { for a in 0..<m { x[Int(idx[a])] = 0 } }
        var rho = residual(x, lin)
        var mustAccept = startFromZero
        for _ in 0..<4 {
            if rho == 0 { break }
            substitute()
            for a in 0..<m {
                let k = Int(idx[a])
                xSave[a] = x[k]
                x[k] += tmp[a]
            }
            let newRho = residual(x, lin)
            if mustAccept || newRho < rho {
                mustAccept = false
                rho = newRho
            } else {
                for a in 0..<m { x[Int(idx[a])] = xSave[a] }
                break
            }
        }
    }

    /// z ← argmin on the free set: solution of H_FF z_F = −c_F, z = 0 off the free set.
    mutating func solveFree() {
        pack()
        factor()
        for k in 0..<n { z[k] = 0 }
        refine(z, c, startFromZero: true)
    }
}
