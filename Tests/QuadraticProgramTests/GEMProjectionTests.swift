import Foundation
import QuadraticProgram
import XCTest

// Every assertion here compares against an independent truth: quadprog's answers
// (Tests/Fixtures/gem-qp-cases.json), closed forms worked out by hand, or the KKT conditions
// of the QP evaluated in the test from the raw data. None compares the code with itself.

// MARK: - Helpers

/// SplitMix64: a tiny seeded generator so the property tests are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1p-60)
        let u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}

func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

/// ‖x − ref‖∞ / ‖ref‖∞ (absolute when ref is 0). quadprog returns bound variables with
/// rounding noise (e.g. 1e-24 for a bound of 0, or s − 5e-14), so a componentwise relative
/// measure is meaningless for them; this normwise measure is the "1e-6 relative" criterion.
func normwiseRelativeError(_ x: [Double], _ ref: [Double]) -> Double {
    precondition(x.count == ref.count)
    var num = 0.0
    var den = 0.0
    for i in 0..<x.count {
        num = max(num, abs(x[i] - ref[i]))
        den = max(den, abs(ref[i]))
    }
    return den > 0 ? num / den : num
}

/// KKT residuals of  min ½vᵀ(MMᵀ+εI)v + (Mg)ᵀv  s.t. v ≥ s, computed here from M and g.
/// Each residual is divided by the magnitude of what it is computed from, so it is a
/// relative measure: stationarity on free variables, dual feasibility on bound ones,
/// primal feasibility, complementary slackness.
struct KKTReport {
    var stationarity = 0.0, dualInfeasibility = 0.0, primalInfeasibility = 0.0, slackness = 0.0
    var worst: Double { max(stationarity, dualInfeasibility, primalInfeasibility, slackness) }

    init(memories m: [[Double]], gradient g: [Double], strength s: Double, eps: Double, dual v: [Double]) {
        let k = m.count
        let vScale = v.reduce(abs(s)) { max($0, abs($1)) }
        for i in 0..<k {
            var grad = dot(m[i], g)
            var scale = abs(grad)
            for j in 0..<k {
                let hij = dot(m[i], m[j]) + (i == j ? eps : 0)
                grad += hij * v[j]
                scale += abs(hij) * abs(v[j])
            }
            let multiplier = grad / max(scale, .leastNormalMagnitude)  // λ_k, relative
            let slack = v[i] - s  // ≥ 0 required
            primalInfeasibility = max(primalInfeasibility, -slack / max(vScale, 1e-300))
            if slack > 0 {
                stationarity = max(stationarity, abs(multiplier))
            } else {
                dualInfeasibility = max(dualInfeasibility, -multiplier)
            }
            slackness = max(slackness, abs(multiplier) * abs(slack) / max(vScale, 1e-300))
        }
    }
}

struct ReferenceFile: Decodable {
    struct Case: Decodable {
        let memories: [[Double]]
        let gradient: [Double]
        // swift-format-ignore: AlwaysUseLowerCamelCase
        // the fixture's JSON key (Tests/Fixtures/gem-qp-cases.json)
        let memory_strength: Double
        let eps: Double
        let dual: [Double]
        let projected: [Double]
    }
    let about: String
    let cases: [Case]

    static func load() throws -> ReferenceFile {
        // Tests/QuadraticProgramTests/GEMProjectionTests.swift → Tests/Fixtures/gem-qp-cases.json
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent("gem-qp-cases.json")
        return try JSONDecoder().decode(ReferenceFile.self, from: Data(contentsOf: url))
    }
}

/// A random GEM-like problem. `kind` selects plain Gaussian rows, rank-deficient rows
/// (combinations of fewer directions), badly scaled rows, or more rows than dimensions.
func randomProblem(_ rng: inout SplitMix64, kind: Int) -> (m: [[Double]], g: [Double], s: Double) {
    let strengths = [0.0, 0.5, 1.0, -0.3, 2.0]
    let s = strengths[rng.int(0...strengths.count - 1)]
    var k = rng.int(1...20)
    var p = rng.int(1...120)
    if kind == 3 {
        p = rng.int(1...6)
        k = rng.int(p...25)
    }
    let rank = kind == 1 ? rng.int(1...max(1, k - 1)) : k
    let basis = (0..<rank).map { _ in (0..<p).map { _ in rng.normal() } }
    var m: [[Double]] = []
    for i in 0..<k {
        var row: [Double]
        if kind == 1 {
            row = [Double](repeating: 0, count: p)
            for b in basis {
                let c = rng.normal()
                for t in 0..<p { row[t] += c * b[t] }
            }
        } else {
            row = i < basis.count ? basis[i] : (0..<p).map { _ in rng.normal() }
        }
        if kind == 2 {
            let f = Foundation.pow(10.0, Double(rng.int(-4...4)))
            row = row.map { $0 * f }
        }
        m.append(row)
    }
    let g = (0..<p).map { _ in rng.normal() }
    return (m, g, s)
}

// MARK: - Tests

final class GEMProjectionTests: XCTestCase {

    /// Every case solved by quadprog (the solver the GEM reference code calls): dual and
    /// projected vectors must agree to 1e-6 normwise-relative. The set includes
    /// rank-deficient memories, rows scaled over 7 orders of magnitude (Hessian condition
    /// numbers up to 3e11), and more memories than dimensions.
    func testMatchesQuadprogOnEveryReferenceCase() throws {
        let file = try ReferenceFile.load()
        XCTAssertEqual(file.cases.count, 60)
        XCTAssertTrue(file.about.contains("quadprog"))
        var worstDual = 0.0
        var worstProjected = 0.0
        var worstKKT = 0.0
        for (index, c) in file.cases.enumerated() {
            let (v, result) = GEMProjection.solveDualWithResult(
                memories: c.memories, gradient: c.gradient, memoryStrength: c.memory_strength, eps: c.eps)
            let projected = GEMProjection.project(
                memories: c.memories, gradient: c.gradient, memoryStrength: c.memory_strength, eps: c.eps)
            let dualError = normwiseRelativeError(v, c.dual)
            let projectedError = normwiseRelativeError(projected, c.projected)
            XCTAssertLessThanOrEqual(dualError, 1e-6, "case \(index): dual")
            XCTAssertLessThanOrEqual(projectedError, 1e-6, "case \(index): projected")
            XCTAssertTrue(result.converged, "case \(index)")
            XCTAssertEqual(result.activeCount + result.freeCount, c.memories.count)
            // The active set agrees with quadprog's (its bound entries carry ~1e-13 noise).
            let scale = c.dual.reduce(abs(c.memory_strength)) { max($0, abs($1)) }
            let quadprogFree = c.dual.filter { $0 > c.memory_strength + 1e-9 * scale }.count
            XCTAssertEqual(result.freeCount, quadprogFree, "case \(index): active set")
            let kkt = KKTReport(
                memories: c.memories, gradient: c.gradient, strength: c.memory_strength,
                eps: c.eps, dual: v)
            XCTAssertLessThanOrEqual(kkt.worst, 1e-11, "case \(index): KKT \(kkt)")
            worstDual = max(worstDual, dualError)
            worstProjected = max(worstProjected, projectedError)
            worstKKT = max(worstKKT, kkt.worst)
        }
        print(
            "reference cases: max relative error dual \(worstDual), projected \(worstProjected); max KKT residual \(worstKKT)"
        )
    }

    /// K = 1, violated constraint, worked by hand.
    /// m = (1, 2, 2), g = (−3, 0, 1): m·m = 9, m·g = −3 + 0 + 2 = −1, ε = 1e-3.
    /// The one-variable QP min ½(m·m + ε)v² + (m·g)v, v ≥ s has
    ///     v = max(s, −(m·g)/(m·m + ε)) = max(s, 1/9.001).
    /// s = 0:   v = 1/9.001 = 0.11109876680368848,
    ///          g̃ = g + v·m = (−2.8889012331963115, 0.22219753360737696, 1.222197533607377),
    ///          and ⟨g̃, m⟩ = −1 + 9/9.001 = −0.001/9.001 = −ε·v (the ridge's footprint).
    /// s = 0.5: 1/9.001 < 0.5, so v = 0.5 (active) and g̃ = (−2.5, 1, 2).
    func testSingleViolatedConstraintByHand() {
        let m = [[1.0, 2.0, 2.0]]
        let g = [-3.0, 0.0, 1.0]

        let v0 = GEMProjection.solveDual(memories: m, gradient: g, memoryStrength: 0)
        XCTAssertEqual(v0.count, 1)
        XCTAssertEqual(v0[0], 0.11109876680368848, accuracy: 1e-15)
        let p0 = GEMProjection.project(memories: m, gradient: g, memoryStrength: 0)
        XCTAssertEqual(p0[0], -2.8889012331963115, accuracy: 1e-15)
        XCTAssertEqual(p0[1], 0.22219753360737696, accuracy: 1e-15)
        XCTAssertEqual(p0[2], 1.222197533607377, accuracy: 1e-15)
        XCTAssertEqual(dot(p0, m[0]), -0.001 / 9.001, accuracy: 1e-15)

        let v1 = GEMProjection.solveDual(memories: m, gradient: g, memoryStrength: 0.5)
        XCTAssertEqual(v1, [0.5])  // exactly the bound
        XCTAssertEqual(GEMProjection.project(memories: m, gradient: g, memoryStrength: 0.5), [-2.5, 1, 2])
    }

    /// The K = 1 closed form v = max(s, −(m·g)/(m·m + ε)) on random data.
    func testSingleMemoryClosedFormRandom() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200 {
            let p = rng.int(1...50)
            let m = (0..<p).map { _ in rng.normal() }
            let g = (0..<p).map { _ in rng.normal() }
            let s = [0.0, 0.5, 1.0, -0.5][rng.int(0...3)]
            let eps = [1e-3, 1e-1, 1e-8][rng.int(0...2)]
            let expected = max(s, -dot(m, g) / (dot(m, m) + eps))
            let v = GEMProjection.solveDual(memories: [m], gradient: g, memoryStrength: s, eps: eps)
            XCTAssertEqual(v[0], expected, accuracy: 1e-12 * max(1, abs(expected)))
        }
    }

    /// Mutually orthogonal memories decouple the QP: v_k = max(s, −(m_k·g)/(m_k·m_k + ε)),
    /// giving a closed form for K > 1 with a mix of active and free constraints. Solved
    /// through the low-level entry with only the lower triangle of the Gram matrix valid
    /// (the upper triangle is NaN) and a reused, garbage-filled workspace.
    func testOrthogonalMemoriesClosedFormThroughLowLevelAPI() {
        var rng = SplitMix64(seed: 7)
        var workspace = [Double](repeating: .nan, count: DualQP.workspaceCount(for: 12))
        for trial in 0..<50 {
            let k = rng.int(1...12)
            let p = k + rng.int(0...5)
            // Rows: scaled coordinate vectors e_k (orthogonal), with scales spread widely.
            var m = [[Double]](repeating: [Double](repeating: 0, count: p), count: k)
            for i in 0..<k { m[i][i] = Foundation.pow(10, Double(rng.int(-3...3))) * (rng.uniform() + 0.5) }
            let g = (0..<p).map { _ in rng.normal() }
            let s = trial % 2 == 0 ? 0.0 : 0.5
            let eps = 1e-3
            var gram = [Double](repeating: .nan, count: k * k)
            for i in 0..<k { for j in 0...i { gram[i * k + j] = dot(m[i], m[j]) } }
            let linear = m.map { dot($0, g) }
            var v = [Double](repeating: .nan, count: k)
            let result = DualQP.solve(
                gram: gram, linear: linear, count: k, memoryStrength: s, eps: eps,
                solution: &v, workspace: &workspace)
            var expectedActive = 0
            for i in 0..<k {
                let free = -linear[i] / (m[i][i] * m[i][i] + eps)
                let expected = max(s, free)
                if free <= s {
                    expectedActive += 1
                    XCTAssertEqual(v[i], s)
                }  // exactly on the bound
                XCTAssertEqual(v[i], expected, accuracy: 1e-12 * max(1, abs(expected)), "trial \(trial) k \(i)")
            }
            XCTAssertEqual(result.activeCount, expectedActive)
            XCTAssertEqual(result.freeCount, k - expectedActive)
            XCTAssertTrue(result.converged)
            XCTAssertGreaterThanOrEqual(result.iterations, k - expectedActive)
            for i in 0..<workspace.count { workspace[i] = .nan }  // garbage for the next call
        }
    }

    /// Rank-deficient by construction: K identical rows m. By symmetry and uniqueness the
    /// solution is constant, v_k = max(s, −(m·g)/(K·m·m + ε)), and g̃ = g + (Σv)·m.
    /// With ε = 1e-3 each v_k must match. With ε = 1e-10 the Hessian's condition number is
    /// K·m·m/ε ≈ 1e14: how Σv splits among the K copies is then fixed only by curvature ε,
    /// below rounding level of the gradient, so only the well-determined quantities (Σv, g̃,
    /// feasibility) are asserted — and the solver must not fail or loop.
    func testDuplicatedMemoriesClosedForm() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<100 {
            let p = rng.int(1...40)
            let k = rng.int(2...20)
            let row = (0..<p).map { _ in rng.normal() * 10 }
            var g = (0..<p).map { _ in rng.normal() }
            if dot(row, g) > 0 { g = g.map { -$0 } }  // violated
            let s = [0.0, 0.5, 1.0][rng.int(0...2)]
            let eps = [1e-3, 1e-10][rng.int(0...1)]
            let expected = max(s, -dot(row, g) / (Double(k) * dot(row, row) + eps))
            let (v, result) = GEMProjection.solveDualWithResult(
                memories: [[Double]](repeating: row, count: k), gradient: g, memoryStrength: s, eps: eps)
            XCTAssertTrue(result.converged)
            for x in v { XCTAssertGreaterThanOrEqual(x, s) }
            let sum = v.reduce(0, +)
            let expectedSum = Double(k) * expected
            XCTAssertEqual(sum, expectedSum, accuracy: 1e-9 * max(1, abs(expectedSum)))
            let gt = GEMProjection.projected(memories: [[Double]](repeating: row, count: k), gradient: g, dual: v)
            let expectedGt = (0..<p).map { g[$0] + expectedSum * row[$0] }
            XCTAssertLessThanOrEqual(normwiseRelativeError(gt, expectedGt), 1e-9)
            if eps == 1e-3 {
                for x in v { XCTAssertEqual(x, expected, accuracy: 1e-9 * max(1, abs(expected))) }
            }
        }
    }

    /// KKT conditions (stationarity, primal and dual feasibility, complementary slackness)
    /// on seeded random problems of four kinds: Gaussian, rank-deficient, badly scaled
    /// (rows over 8 orders of magnitude), more memories than dimensions.
    func testKKTOnRandomProblems() {
        var rng = SplitMix64(seed: 2017)
        var worst = 0.0
        var maxIterations = 0
        for trial in 0..<400 {
            let kind = trial % 4
            let (m, g, s) = randomProblem(&rng, kind: kind)
            let (v, result) = GEMProjection.solveDualWithResult(memories: m, gradient: g, memoryStrength: s)
            XCTAssertTrue(result.converged, "trial \(trial)")
            for x in v { XCTAssertGreaterThanOrEqual(x, s) }  // feasible, exactly
            XCTAssertEqual(result.activeCount, v.filter { $0 == s }.count)
            let kkt = KKTReport(memories: m, gradient: g, strength: s, eps: 1e-3, dual: v)
            XCTAssertLessThanOrEqual(kkt.worst, 1e-11, "trial \(trial) kind \(kind): \(kkt)")
            worst = max(worst, kkt.worst)
            maxIterations = max(maxIterations, result.iterations)
        }
        print("random problems: max KKT residual \(worst), max iterations \(maxIterations)")
    }

    /// After projection every memory's constraint holds in GEM's sense. With the ε ridge the
    /// exact guarantee is ⟨g̃, g_k⟩ ≥ −ε·v_k, with equality for every free v_k (so ⟨g̃, g_k⟩
    /// can be slightly negative with ε = 1e-3). With a vanishing ridge (ε = 1e-12) on
    /// full-row-rank memories this becomes ⟨g̃, g_k⟩ ≥ −1e-9·scale.
    func testProjectedGradientSatisfiesTheConstraints() {
        var rng = SplitMix64(seed: 99)
        for trial in 0..<300 {
            let kind = trial % 4
            let (m, g, _) = randomProblem(&rng, kind: kind)
            let eps = 1e-3
            let v = GEMProjection.solveDual(memories: m, gradient: g, memoryStrength: 0, eps: eps)
            let gt = GEMProjection.project(memories: m, gradient: g, memoryStrength: 0, eps: eps)
            for k in 0..<m.count {
                let scale = (dot(m[k], m[k]) * max(dot(g, g), dot(gt, gt))).squareRoot() + eps * v[k]
                let margin = dot(gt, m[k]) + eps * v[k]
                XCTAssertGreaterThanOrEqual(margin, -1e-9 * scale, "trial \(trial) k \(k)")
                if v[k] > 0 { XCTAssertEqual(margin, 0, accuracy: 1e-9 * scale) }
            }
        }
        // Vanishing ridge, full row rank (Gaussian rows, K ≤ P).
        for trial in 0..<200 {
            let p = rng.int(2...80)
            let k = rng.int(1...min(p, 20))
            let m = (0..<k).map { _ in (0..<p).map { _ in rng.normal() } }
            let g = (0..<p).map { _ in rng.normal() }
            let gt = GEMProjection.project(memories: m, gradient: g, memoryStrength: 0, eps: 1e-12)
            for row in m {
                let scale = (dot(row, row) * max(dot(g, g), dot(gt, gt))).squareRoot()
                XCTAssertGreaterThanOrEqual(dot(gt, row), -1e-9 * scale, "trial \(trial)")
            }
        }
    }

    /// No violated constraint and memoryStrength = 0: v = 0 and g̃ = g bit for bit.
    /// (With memoryStrength > 0 the QP — like quadprog, see reference cases 50–51 — still
    /// returns v = s and g̃ = g + s·Σg_k; the GEM plugin does not call it in that situation.)
    func testNoViolationLeavesGradientUnchanged() {
        var rng = SplitMix64(seed: 5)
        var checked = 0
        while checked < 200 {
            let p = rng.int(1...60)
            let k = rng.int(1...20)
            let m = (0..<k).map { _ in (0..<p).map { _ in rng.normal() } }
            // g = Mᵀa + noise with a ≥ 0 large: usually all ⟨g, g_k⟩ ≥ 0; keep only those.
            var g = (0..<p).map { _ in 0.1 * rng.normal() }
            for row in m {
                let a = rng.uniform() * 3
                for t in 0..<p { g[t] += a * row[t] }
            }
            if m.contains(where: { dot($0, g) < 0 }) { continue }
            checked += 1
            let v = GEMProjection.solveDual(memories: m, gradient: g, memoryStrength: 0)
            XCTAssertEqual(v, [Double](repeating: 0, count: k))
            XCTAssertEqual(GEMProjection.project(memories: m, gradient: g, memoryStrength: 0), g)
        }
        // memoryStrength > 0, all memories agreeing strongly with g: v = s exactly, g̃ = g + s·Σg_k.
        let m = [[1.0, 0.0], [1.0, 1.0]]
        let g = [4.0, 4.0]
        let s = 0.5
        XCTAssertEqual(GEMProjection.solveDual(memories: m, gradient: g, memoryStrength: s), [0.5, 0.5])
        XCTAssertEqual(GEMProjection.project(memories: m, gradient: g, memoryStrength: s), [5.0, 4.5])
    }

    /// Degenerate sizes: no memories, and memories of dimension 0 (H = εI, q = 0, so v = max(s, 0)).
    func testEmptyInputs() {
        XCTAssertEqual(GEMProjection.solveDual(memories: [], gradient: [1, 2], memoryStrength: 0.5), [])
        XCTAssertEqual(GEMProjection.project(memories: [], gradient: [1, -2], memoryStrength: 0.5), [1, -2])
        XCTAssertEqual(GEMProjection.solveDual(memories: [[], []], gradient: [], memoryStrength: 0.5), [0.5, 0.5])
        XCTAssertEqual(GEMProjection.solveDual(memories: [[], []], gradient: [], memoryStrength: -0.5), [0, 0])
        let result = DualQP.solve(
            gram: [], linear: [], count: 0, memoryStrength: 0, eps: 1e-3,
            solution: UnsafeMutablePointer<Double>(bitPattern: 8)!,
            workspace: UnsafeMutablePointer<Double>(bitPattern: 8)!)
        XCTAssertEqual(result, DualQPResult(activeCount: 0, freeCount: 0, iterations: 0, converged: true))
        XCTAssertEqual(DualQP.workspaceCount(for: 0), 0)
        XCTAssertEqual(DualQP.workspaceCount(for: 3), 9 + 33)
    }

    /// Hostile scaling: rows from 1e-8 to 1e8 in norm, nearly parallel rows, K ≫ P. The
    /// solver must terminate with a feasible point that meets the KKT conditions.
    func testTerminatesAndIsOptimalOnHostileProblems() {
        var rng = SplitMix64(seed: 404)
        for trial in 0..<100 {
            let p = rng.int(1...8)
            let k = rng.int(1...40)
            let base = (0..<p).map { _ in rng.normal() }
            let m: [[Double]] = (0..<k).map { _ in
                let f = Foundation.pow(10.0, Double(rng.int(-8...8)))
                let sign: Double = rng.uniform() < 0.5 ? -1 : 1
                return base.map { sign * f * ($0 + 1e-7 * rng.normal()) }
            }
            let g = (0..<p).map { _ in rng.normal() * Foundation.pow(10.0, Double(rng.int(-3...3))) }
            let s = [0.0, 1.0][trial % 2]
            let (v, result) = GEMProjection.solveDualWithResult(memories: m, gradient: g, memoryStrength: s)
            XCTAssertTrue(result.converged, "trial \(trial)")
            XCTAssertLessThanOrEqual(result.iterations, DualQP.maxIterations(for: k))
            for x in v {
                XCTAssertTrue(x.isFinite)
                XCTAssertGreaterThanOrEqual(x, s)
            }
            let kkt = KKTReport(memories: m, gradient: g, strength: s, eps: 1e-3, dual: v)
            XCTAssertLessThanOrEqual(kkt.worst, 1e-9, "trial \(trial): \(kkt)")
        }
    }

    /// Clustered memories: rows drawn from 1–3 directions (exact copies, 1e-12 or 1e-7
    /// perturbations, either sign) scaled over 1e-6…1e6, K up to 60 ≫ P. With GEM's ε = 1e-3
    /// the solver must converge to a KKT point (to 1e-9 relative). With ε = 1e-8 or 1e-14
    /// the Hessian's condition number exceeds 1/(unit roundoff) and the QP is not determined
    /// by float64 data, so only termination, finiteness and exact feasibility are required —
    /// the situations where quadprog stops with "matrix G is not positive definite".
    func testClusteredMemoriesOverTwelveOrdersOfMagnitude() {
        var rng = SplitMix64(seed: 1)
        var worst = 0.0
        var maxIterations = 0
        for trial in 0..<1500 {
            let p = rng.int(1...10)
            let k = rng.int(1...60)
            let directions = (0..<rng.int(1...3)).map { _ in (0..<p).map { _ in rng.normal() } }
            let m: [[Double]] = (0..<k).map { _ in
                let d = directions[rng.int(0...directions.count - 1)]
                let f = Foundation.pow(10.0, Double(rng.int(-6...6))) * (rng.uniform() < 0.5 ? -1 : 1)
                let noise = [0.0, 1e-12, 1e-7][rng.int(0...2)]
                return d.map { f * ($0 + noise * rng.normal()) }
            }
            let g = (0..<p).map { _ in rng.normal() }
            let s = [0.0, 1.0, 0.5][trial % 3]
            let eps = [1e-3, 1e-3, 1e-8, 1e-14][trial % 4]
            let (v, result) = GEMProjection.solveDualWithResult(memories: m, gradient: g, memoryStrength: s, eps: eps)
            XCTAssertTrue(result.converged, "trial \(trial)")
            for x in v {
                XCTAssertTrue(x.isFinite)
                XCTAssertGreaterThanOrEqual(x, s)
            }
            maxIterations = max(maxIterations, result.iterations)
            if eps == 1e-3 {
                let kkt = KKTReport(memories: m, gradient: g, strength: s, eps: eps, dual: v)
                XCTAssertLessThanOrEqual(kkt.worst, 1e-9, "trial \(trial): \(kkt)")
                worst = max(worst, kkt.worst)
            }
        }
        print("clustered problems (eps 1e-3): max KKT residual \(worst), max iterations \(maxIterations)")
    }

    /// Regression: two almost opposite memories with ε = 1e-8 (Hessian condition ≈ 1e16).
    /// An early version let the final refinement diverge and clamped the answer to v = 0,
    /// whose KKT residual is 1 (the bound's multiplier is fully negative).
    func testNearlyOppositeMemoriesDoNotCollapseToTheBound() {
        let m = [[6175.796859805387, -10228.612334126019], [-6175.796761767794, 10228.612245294198]]
        let g = [-0.23902875032210116, 0.11368483824516062]
        let (v, result) = GEMProjection.solveDualWithResult(memories: m, gradient: g, memoryStrength: 0, eps: 1e-8)
        XCTAssertTrue(result.converged)
        XCTAssertEqual(result.freeCount, 2)
        XCTAssertLessThanOrEqual(KKTReport(memories: m, gradient: g, strength: 0, eps: 1e-8, dual: v).worst, 1e-9)
    }
}
