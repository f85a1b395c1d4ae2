/// Fully connected layer y = x Wᵀ + b, with W stored out×in (row-major) followed by b.
public final class Linear: Layer {
    public let inputWidth: Int
    public let outputWidth: Int
    public var offset = 0
    private let transposedWeight = Workspace()

    public init(_ inputWidth: Int, _ outputWidth: Int) {
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
    }

    public var parameterShapes: [(name: String, shape: [Int])] {
        [("weight", [outputWidth, inputWidth]), ("bias", [outputWidth])]
    }

    /// Xavier-uniform weights, U(±√(6/(in+out))); zero biases.
    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        let limit = (6 / Float(inputWidth + outputWidth)).squareRoot()
        let w = parameters + offset
        for i in 0..<(inputWidth * outputWidth) { w[i] = (2 * rng.unitFloat() - 1) * limit }
        (w + inputWidth * outputWidth).update(repeating: 0, count: outputWidth)
    }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        let w = parameters + offset
        let b = w + inputWidth * outputWidth
        for r in 0..<rows { (y + r * outputWidth).update(from: b, count: outputWidth) }
        Kernels.gemm(
            transB: true, m: rows, n: outputWidth, k: inputWidth,
            a: x, lda: inputWidth, b: w, ldb: inputWidth, accumulate: true, c: y, ldc: outputWidth)
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        let w = parameters + offset
        for target in targets where !target.rows.isEmpty {
            let first = target.rows.lowerBound
            let n = target.rows.count
            let dw = target.gradient + offset
            // dW += dyᵀ x over the target's rows
            Kernels.gemm(
                transA: true, m: outputWidth, n: inputWidth, k: n,
                a: dy + first * outputWidth, lda: outputWidth,
                b: x + first * inputWidth, ldb: inputWidth, accumulate: true, c: dw, ldc: inputWidth)
            addBiasGradient(dy, target: target)
        }
        if let dx {
            Kernels.gemm(
                m: rows, n: inputWidth, k: outputWidth, a: dy, lda: outputWidth,
                b: w, ldb: inputWidth, c: dx, ldc: inputWidth)
        }
    }

    /// `forward` over sparse input rows: the same sums without the zero inputs' terms.
    /// Runs on `lanes` threads; results do not depend on `lanes`.
    public func forward(
        _ x: SparseRows, _ y: UnsafeMutablePointer<Float>, parameters: UnsafePointer<Float>,
        lanes: Int
    ) {
        precondition(x.width == inputWidth, "sparse input width \(x.width), layer expects \(inputWidth)")
        let w = parameters + offset
        let wt = transposedWeight.pointer(atLeast: inputWidth * outputWidth)
        transpose(w, rows: outputWidth, columns: inputWidth, into: wt)
        x.multiply(wt, n: outputWidth, start: w + inputWidth * outputWidth, into: y, lanes: lanes)
    }

    /// `backward`'s parameter gradients for sparse input rows, one target per segment of `x`
    /// (in order): the same sums without the zero inputs' terms. No input gradient.
    public func addGradients(_ x: SparseRows, dy: UnsafePointer<Float>, targets: [GradientTarget], lanes: Int) {
        x.addSegmentProducts(dy, n: outputWidth, into: targets, offset: offset, lanes: lanes)
        for target in targets { addBiasGradient(dy, target: target) }
    }

    /// db += column sums of dy over the target's rows.
    private func addBiasGradient(_ dy: UnsafePointer<Float>, target: GradientTarget) {
        let db = target.gradient + offset + inputWidth * outputWidth
        for r in target.rows {
            let row = dy + r * outputWidth
            for j in 0..<outputWidth { db[j] += row[j] }
        }
    }
}
