import Dispatch

/// Fully connected layer y = x Wᵀ + b, with W stored out×in (row-major) followed by b.
public final class Linear: Layer {
    public let inputWidth: Int
    public let outputWidth: Int
    public var offset = 0

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

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
                        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?) {
        let w = parameters + offset
        let b = w + inputWidth * outputWidth
        for r in 0..<rows { (y + r * outputWidth).update(from: b, count: outputWidth) }
        BLAS.gemm(transB: true, m: rows, n: outputWidth, k: inputWidth,
                  a: x, lda: inputWidth, b: w, ldb: inputWidth, beta: 1, c: y, ldc: outputWidth)
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
                         targets: [GradientTarget], tasks: UnsafePointer<Int32>?) {
        let w = parameters + offset
        let threads = BLAS.threads
        if threads > 1, targets.count > 1 {
            // Independent per-target products (GEM: one per past task) are too small to keep
            // several BLAS threads busy; one single-threaded product per core does better.
            // Each product's numbers do not depend on which thread runs it.
            let lanes = min(threads, targets.count)
            // Lanes write disjoint targets and only read x, dy; sgemm is reentrant on one BLAS thread.
            nonisolated(unsafe) let (layer, all, input, output) = (self, targets, x, dy)
            BLAS.setThreads(1)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for t in stride(from: lane, to: all.count, by: lanes) { layer.addGradient(all[t], x: input, dy: output) }
            }
            BLAS.setThreads(threads)
        } else {
            for target in targets { addGradient(target, x: x, dy: dy) }
        }
        if let dx {
            BLAS.gemm(m: rows, n: inputWidth, k: outputWidth, a: dy, lda: outputWidth,
                      b: w, ldb: inputWidth, c: dx, ldc: inputWidth)
        }
    }

    /// dW += dyᵀ x and db += column sums of dy over the target's rows.
    private func addGradient(_ target: GradientTarget, x: UnsafePointer<Float>, dy: UnsafePointer<Float>) {
        guard !target.rows.isEmpty else { return }
        let first = target.rows.lowerBound
        let dw = target.gradient + offset
        BLAS.gemm(transA: true, m: outputWidth, n: inputWidth, k: target.rows.count,
                  a: dy + first * outputWidth, lda: outputWidth,
                  b: x + first * inputWidth, ldb: inputWidth, beta: 1, c: dw, ldc: inputWidth)
        let db = dw + inputWidth * outputWidth
        for r in target.rows {
            let row = dy + r * outputWidth
            for j in 0..<outputWidth { db[j] += row[j] }
        }
    }
}
