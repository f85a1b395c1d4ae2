import Foundation
import TestSupport
import XCTest

@testable import Learning

/// The kernels' specification (CKernels.h) checked from Swift, on every path this CPU has:
/// each product output is one fused chain over k in increasing order (`addingProduct` is
/// IEEE's fused multiply-add, computed here independently of the C code), long dots are 16
/// chains and a fixed tree, and whole training steps give the same bits on every path.
final class KernelPathTests: XCTestCase {
    override func tearDown() {
        try? Kernels.use(path: "auto")
    }

    /// op(A)·op(B) (+ C) as the specification writes it.
    private func reference(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float],
        b: [Float], c: [Float]?
    ) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = c?[i * n + j] ?? 0
                for p in 0..<k {
                    var x = transA ? a[p * m + i] : a[i * k + p]
                    if alpha != 1 { x = alpha * x }
                    s = s.addingProduct(x, transB ? b[j * k + p] : b[p * n + j])
                }
                out[i * n + j] = s
            }
        }
        return out
    }

    private func bits(_ v: [Float]) -> [UInt32] { v.map { $0.isNaN ? 0x7fc0_0000 : $0.bitPattern } }

    func testProductsAreTheWrittenChainOnEveryPath() throws {
        // (transA, transB, m, n, k, alpha, accumulate): the MLP's and ResNet's shapes and ragged edges
        let shapes: [(Bool, Bool, Int, Int, Int, Float, Bool)] = [
            (false, true, 10, 100, 784, 1, true), (true, false, 100, 78, 10, 1, true),
            (false, false, 10, 78, 100, 1, false), (false, false, 20, 300, 27, 1, false),
            (false, true, 13, 37, 301, 1, false), (true, true, 9, 35, 700, 0.5, true),
            (false, false, 300, 100, 10, -0.1, true), (true, false, 500, 1, 5, 1, true),
            (false, false, 1, 1, 1, 1, false), (false, false, 4, 5, 0, 1, false), (false, false, 4, 5, 0, 1, true),
        ]
        var rng = RandomStream(seed: 3, purpose: "kernel shapes")
        for path in Kernels.availablePaths {
            try Kernels.use(path: path)
            for (ta, tb, m, n, k, alpha, accumulate) in shapes {
                var a = randomArray(m * k, &rng)
                var b = randomArray(k * n, &rng)
                if m * k > 7 {
                    a[7] = .infinity
                    b[min(3, b.count - 1)] = -0.0
                    a[1] = 0x1p-130
                }  // inf, -0, denormal
                let start = accumulate ? randomArray(m * n, &rng) : nil
                var c = start ?? [Float](repeating: .nan, count: m * n)  // never read when overwriting
                a.withUnsafeBufferPointer { ab in
                    b.withUnsafeBufferPointer { bb in
                        Kernels.gemm(
                            transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: ab.baseAddress!,
                            lda: ta ? m : k, b: bb.baseAddress!, ldb: tb ? k : n, accumulate: accumulate,
                            c: &c, ldc: n)
                    }
                }
                let expected = reference(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: a, b: b, c: start)
                XCTAssertEqual(bits(c), bits(expected), "\(path): m \(m) n \(n) k \(k) transA \(ta) transB \(tb)")
            }
        }
    }

    func testLongDotsAreSixteenChainsAndAFixedTree() throws {
        var rng = RandomStream(seed: 4, purpose: "kernel dots")
        let n = 89_610
        let count = 3
        let rows = randomArray(count * n, &rng)
        let x = randomArray(n, &rng)
        func reference(_ u: ArraySlice<Float>, _ v: ArraySlice<Float>) -> Float {
            var s = [Float](repeating: 0, count: 16)
            for (i, (p, q)) in zip(u, v).enumerated() { s[i % 16] = s[i % 16].addingProduct(p, q) }
            var width = 8
            while width >= 1 {
                for r in 0..<width { s[r] = s[r] + s[r + width] }
                width /= 2
            }
            return s[0]
        }
        let row = { (r: Int) in rows[(r * n)..<((r + 1) * n)] }
        for path in Kernels.availablePaths {
            try Kernels.use(path: path)
            var dots = [Float](repeating: 0, count: count)
            var gram = [Float](repeating: 0, count: count * count)
            Kernels.dots(count: count, n: n, rows: rows, stride: n, x: x, into: &dots)
            Kernels.gram(count: count, n: n, rows: rows, stride: n, into: &gram)
            for r in 0..<count {
                XCTAssertEqual(dots[r].bitPattern, reference(row(r), x[...]).bitPattern, path)
                for s in 0..<count {
                    XCTAssertEqual(gram[r * count + s].bitPattern, reference(row(r), row(s)).bitPattern, path)
                }
            }
            XCTAssertEqual(Kernels.dot(17, x, x).bitPattern, reference(x[0..<17], x[0..<17]).bitPattern, path)
        }
    }

    /// Several SGD steps of an MLP and a small reduced ResNet (batch norm, convolutions,
    /// residual blocks) under each path: every parameter the same bits.
    func testTrainingStepsAreBitIdenticalOnEveryPath() throws {
        func train() throws -> [Float] {
            var rng = RandomStream(seed: 11, purpose: "kernel training")
            let mlp = Network.mlp([784, 100, 100, 10], rng: &rng)
            let resnet = try Network.reducedResNet18(channels: 3, height: 32, width: 32, classes: 5, nf: 2, rng: &rng)
            var out: [Float] = []
            for (net, classes) in [(mlp, 10), (resnet, 5)] {
                let sgd = SGD(learningRate: 0.1, momentum: 0.9)
                for _ in 0..<3 {
                    let rows = 10
                    let x = randomArray(rows * net.inputWidth, &rng)
                    let labels = (0..<rows).map { _ in Int32(rng.below(classes)) }
                    var gradient = [Float](repeating: 0, count: rows * classes)
                    net.gradients.fill(0)
                    let logits = net.forward(x, rows: rows)
                    _ = SoftmaxCrossEntropy.lossAndGradient(
                        logits: logits, labels: labels, rows: rows, classes: classes,
                        scale: 1 / Float(rows), gradient: &gradient)
                    net.backward(gradient)
                    sgd.step(net)
                }
                out += net.parameters.array
            }
            return out
        }
        try Kernels.use(path: "scalar")
        let scalar = try train()
        for path in Kernels.availablePaths where path != "scalar" {
            try Kernels.use(path: path)
            XCTAssertEqual(bits(try train()), bits(scalar), "\(path) differs from scalar")
        }
    }

    func testAnUnknownPathIsRefusedAndNamesTheChoices() {
        XCTAssertThrowsError(try Kernels.use(path: "sse9")) { error in
            XCTAssertTrue("\(error)".contains("'sse9' is not available"), "\(error)")
            XCTAssertTrue("\(error)".contains("scalar"), "\(error)")
        }
        XCTAssertThrowsError(try Kernels.use(path: "neon" == Kernels.availablePaths.last ? "avx2" : "neon"))
    }

    /// The transcendental functions against float64 libm, rounded once: at most one ulp apart,
    /// and the special values exact (docs/methods.md#determinism; Tests/kernels/math_accuracy.c
    /// checks every float exhaustively).
    func testExpLogLog1pWithinOneUlpOfFloat64Libm() {
        func ulps(_ a: Float, _ b: Float) -> Int {
            if a == b || (a.isNaN && b.isNaN) { return 0 }
            let x = Int64(Int32(bitPattern: a.bitPattern))
            let y = Int64(Int32(bitPattern: b.bitPattern))
            return a.sign == b.sign ? Int(abs(x - y)) : Int.max
        }
        var rng = RandomStream(seed: 5, purpose: "kernel math")
        for _ in 0..<100_000 {
            let x = (rng.unitFloat() * 2 - 1) * 100
            XCTAssertLessThanOrEqual(ulps(Kernels.exp(x), Float(Foundation.exp(Double(x)))), 1, "exp(\(x))")
            let y = abs(x) * rng.unitFloat() + 0x1p-140
            XCTAssertLessThanOrEqual(ulps(Kernels.log(y), Float(Foundation.log(Double(y)))), 1, "log(\(y))")
            let z = rng.unitFloat() * 4 - 0.999
            XCTAssertLessThanOrEqual(ulps(Kernels.log1p(z), Float(Foundation.log1p(Double(z)))), 1, "log1p(\(z))")
        }
        XCTAssertEqual(Kernels.exp(-.infinity), 0)
        XCTAssertEqual(Kernels.exp(100), .infinity)
        XCTAssertTrue(Kernels.exp(.nan).isNaN)
        XCTAssertEqual(Kernels.log(0), -.infinity)
        XCTAssertTrue(Kernels.log(-1).isNaN)
        XCTAssertEqual(Kernels.log1p(-1), -.infinity)
        XCTAssertEqual(Kernels.log1p(0x1p-100), 0x1p-100)
        for degrees in stride(from: -180.0, through: 180.0, by: 0.5) {
            let radians = degrees * .pi / 180
            XCTAssertEqual(Float(Kernels.cos(radians)), Float(Foundation.cos(radians)), "cos \(degrees)°")
            XCTAssertEqual(Float(Kernels.sin(radians)), Float(Foundation.sin(radians)), "sin \(degrees)°")
        }
    }
}
