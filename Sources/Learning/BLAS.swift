import CBLAS

/// Thin, typed wrappers over the few OpenBLAS calls the engine needs (row-major).
public enum BLAS {
    /// OpenBLAS worker threads; only `bench perf` changes them, to measure sgemm. Training and
    /// evaluation always run on one: threaded products here differed from single-threaded ones
    /// by far more than rounding (1.6e-2 relative at GEM's reference shapes), and runs side by
    /// side must not change each other's count.
    public static func setThreads(_ n: Int) {
        _ = singleThreaded
        openblas_set_num_threads(Int32(n))
    }

    /// Set once, before the first product of the process.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C (m×n) = alpha · op(A) · op(B) + beta · C, all row-major.
    @inline(__always)
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y += alpha · x
    @inline(__always)
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        _ = singleThreaded
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }

    /// xᵀy accumulated in float64 for reproducible constraint checks.
    @inline(__always)
    public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(x[i]) * Double(y[i]) }
        return s
    }
}
