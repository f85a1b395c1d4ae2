import CKernels
import XCTest

@testable import Learning

final class SparseRowsTests: XCTestCase {
    /// Rows × width values in [-1, 1], about `zeros` of them exactly zero.
    private func sparseMatrix(rows: Int, width: Int, zeros: Float, seed: UInt64) -> [Float] {
        var rng = RandomStream(seed: seed)
        return (0..<(rows * width)).map { _ in
            let v = 2 * rng.unitFloat() - 1
            return abs(v) < zeros ? 0 : v
        }
    }

    private func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomStream(seed: seed)
        return (0..<count).map { _ in 2 * rng.unitFloat() - 1 }
    }

    func testMultiplyByHand() {
        let x: [Float] = [
            0, 2, 0,
            1, 0, 3,
        ]
        let b: [Float] = [1, 2, 3, 4, 5, 6]  // 3 × 2
        let sparse = SparseRows(x, rows: 2, width: 3)
        XCTAssertEqual(sparse.density, 0.5)
        var y = [Float](repeating: .nan, count: 4)
        sparse.multiply(b, n: 2, start: [0.5, -1], into: &y, lanes: 1)
        XCTAssertEqual(y, [6.5, 7, 16.5, 19] as [Float])  // 0.5 + 2·3, −1 + 2·4, 0.5 + 1·1 + 3·5, −1 + 1·2 + 3·6
        sparse.multiply(b, n: 2, start: nil, into: &y, lanes: 2)
        XCTAssertEqual(y, [6, 8, 16, 20])
    }

    func testSegmentProductsByHand() {
        // two segments: row 0, rows 1-2; column 1 is zero in the second segment
        let x: [Float] = [
            1, 2,
            3, 0,
            4, 0,
        ]
        let dy: [Float] = [
            1, -1,  // rows × n, n = 2
            2, 0,
            0, 5,
        ]
        let sparse = SparseRows(x, rows: 3, width: 2, segments: [0..<1, 1..<3])
        var first: [Float] = [10, 10, 10, 10]
        var second: [Float] = [10, 10, 10, 10]  // n × width, added to
        first.withUnsafeMutableBufferPointer { f in
            second.withUnsafeMutableBufferPointer { s in
                sparse.addSegmentProducts(
                    dy, n: 2,
                    into: [
                        GradientTarget(rows: 0..<1, gradient: f.baseAddress!),
                        GradientTarget(rows: 1..<3, gradient: s.baseAddress!),
                    ],
                    offset: 0, lanes: 2)
            }
        }
        // first[j, c] += dy[0, j] x[0, c]; second[j, c] += Σ_{r=1,2} dy[r, j] x[r, c]
        XCTAssertEqual(first, [11, 12, 9, 8])
        XCTAssertEqual(second, [10 + 6, 10, 10 + 20, 10])
    }

    /// Every output is one chain of fused multiply-adds over the non-zeros in ascending order,
    /// whatever the column blocking (n covers the 32-, 8- and masked tails) and the lanes.
    func testMultiplyIsAnAscendingFusedChainForEveryWidth() {
        let rows = 37
        let width = 53
        let x = sparseMatrix(rows: rows, width: width, zeros: 0.8, seed: 1)
        let sparse = SparseRows(x, rows: rows, width: width)
        XCTAssertEqual(sparse.density, 0.2, accuracy: 0.05)
        for n in [1, 3, 7, 8, 10, 31, 32, 37, 100] {
            let b = random(width * n, seed: 2)
            let start = random(n, seed: 3)
            var expected = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for j in 0..<n {
                    var a = start[j]
                    for c in 0..<width where x[r * width + c] != 0 { a.addProduct(x[r * width + c], b[c * n + j]) }
                    expected[r * n + j] = a
                }
            }
            for lanes in [1, 2, 3] {
                var y = [Float](repeating: .nan, count: rows * n)
                sparse.multiply(b, n: n, start: start, into: &y, lanes: lanes)
                XCTAssertEqual(y, expected, "n = \(n), lanes = \(lanes)")
            }
        }
    }

    /// CPUs without AVX2 and FMA run the portable loop: it must give the same bits.
    func testPortableLoopMatchesTheDispatchedOne() {
        let count = 157
        let rows = 60
        for n in [1, 5, 8, 13, 32, 40, 100] {
            let base = random(rows * n, seed: 10)
            let values = random(count, seed: 11)
            let start = random(n * 3, seed: 12)
            var rng = RandomStream(seed: 13)
            let index = (0..<count).map { _ in Int32(rng.below(rows)) }
            for (hasStart, stride) in [(true, 1), (true, 3), (false, 1)] {
                var fast = [Float](repeating: .nan, count: n * stride)
                var portable = fast
                var expected = fast
                for j in 0..<n {
                    var a = hasStart ? start[j * stride] : 0
                    for i in 0..<count { a.addProduct(values[i], base[Int(index[i]) * n + j]) }
                    expected[j * stride] = a
                }
                start.withUnsafeBufferPointer { s in
                    let first = hasStart ? s.baseAddress : nil
                    gembench_sparse_sums(index, values, count, base, n, first, stride, &fast, stride)
                    gembench_sparse_sums_portable(index, values, count, base, n, first, stride, &portable, stride)
                }
                XCTAssertEqual(fast.map(\.bitPattern), expected.map(\.bitPattern), "n = \(n), stride = \(stride)")
                XCTAssertEqual(portable.map(\.bitPattern), expected.map(\.bitPattern), "n = \(n), stride = \(stride)")
            }
        }
    }

    func testSegmentProductsAreAscendingFusedChains() {
        let rows = 41
        let width = 29
        let n = 100
        let segments = [0..<10, 10..<11, 11..<41]
        let x = sparseMatrix(rows: rows, width: width, zeros: 0.8, seed: 4)
        let dy = random(rows * n, seed: 5)
        let sparse = SparseRows(x, rows: rows, width: width, segments: segments)
        let initial = random(n * width, seed: 6)
        var expected = [[Float]](repeating: initial, count: segments.count)
        for (s, segment) in segments.enumerated() {
            for j in 0..<n {
                for c in 0..<width {
                    var a = initial[j * width + c]
                    for r in segment where x[r * width + c] != 0 { a.addProduct(x[r * width + c], dy[r * n + j]) }
                    expected[s][j * width + c] = a
                }
            }
        }
        for lanes in [1, 2] {
            let targets = segments.map { _ in FloatBuffer(initial) }
            sparse.addSegmentProducts(
                dy, n: n, into: zip(segments, targets).map { GradientTarget(rows: $0, gradient: $1.pointer) },
                offset: 0, lanes: lanes)
            for s in segments.indices { XCTAssertEqual(targets[s].array, expected[s], "segment \(s), lanes \(lanes)") }
        }
    }

    /// The sparse first layer against the dense one (BLAS) on the same rows: float32 rounding apart.
    func testSparseLinearMatchesDenseLinear() {
        let rows = 30
        let width = 784
        let out = 100
        let segments = [0..<12, 12..<30]
        var rng = RandomStream(seed: 7)
        let layer = Linear(width, out)
        let parameters = FloatBuffer(count: layer.parameterCount)
        layer.initialize(parameters.pointer, using: &rng)
        for j in 0..<out { parameters[width * out + j] = Float(j) / 100 }  // non-zero biases
        let x = sparseMatrix(rows: rows, width: width, zeros: 0.8, seed: 8)
        let sparse = SparseRows(x, rows: rows, width: width, segments: segments)

        var dense = [Float](repeating: 0, count: rows * out)
        var fast = dense
        layer.forward(x, &dense, rows: rows, parameters: parameters.pointer, tasks: nil)
        layer.forward(sparse, &fast, parameters: parameters.pointer, lanes: 2)
        for i in dense.indices { XCTAssertEqual(fast[i], dense[i], accuracy: 1e-5 * max(1, abs(dense[i]))) }

        let dy = random(rows * out, seed: 9)
        let denseGradients = segments.map { _ in FloatBuffer(count: layer.parameterCount) }
        let sparseGradients = segments.map { _ in FloatBuffer(count: layer.parameterCount) }
        layer.backward(
            x: x, y: dense, dy: dy, dx: nil, rows: rows, parameters: parameters.pointer,
            targets: zip(segments, denseGradients).map { GradientTarget(rows: $0, gradient: $1.pointer) }, tasks: nil)
        layer.addGradients(
            sparse, dy: dy,
            targets: zip(segments, sparseGradients).map {
                GradientTarget(rows: $0, gradient: $1.pointer)
            }, lanes: 2)
        for (d, s) in zip(denseGradients, sparseGradients) {
            for i in 0..<d.count { XCTAssertEqual(s[i], d[i], accuracy: 1e-5 * max(1, abs(d[i]))) }
        }
    }
}
