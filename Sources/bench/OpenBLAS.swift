import CBLAS

/// OpenBLAS's sgemm, the yardstick `bench perf` times beside the project's own kernels. It
/// never computes a run: it picks its kernels per CPU and gives different bits on different
/// machines (docs/methods.md#determinism).
enum OpenBLAS {
    static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// C (m×n) = op(A) · op(B), row-major.
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }
}
