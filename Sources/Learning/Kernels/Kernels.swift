import CKernels

/// The numeric kernels every run computes with (`Sources/CKernels`): products, axpy, long dot
/// products and transcendental functions, each with one written order of rounding, so a run's
/// bits depend on code, config and seed alone, on any x86-64 or ARM64 CPU. The specifications
/// are in `CKernels.h`; docs/methods.md#determinism says what is guaranteed.
public enum Kernels {
    /// Bumped whenever a kernel's specification changes a bit; run files record it.
    public static let version = Int(GEMBENCH_KERNELS_VERSION)

    /// The instruction-set path in use: "scalar", "avx2", "avx512" or "neon". All give the
    /// same bits; only speed differs.
    public static var path: String { String(cString: gembench_path_name(gembench_current_path())) }

    /// The paths this CPU and build can run, narrowest first.
    public static var availablePaths: [String] {
        [GEMBENCH_PATH_SCALAR, GEMBENCH_PATH_AVX2, GEMBENCH_PATH_AVX512, GEMBENCH_PATH_NEON]
            .filter { gembench_path_available($0) != 0 }
            .map { String(cString: gembench_path_name($0)) }
    }

    /// A bad `GEMBENCH_KERNELS` value (the kernels then run `auto`), or nil.
    public static var environmentError: String? { gembench_path_error().map { String(cString: $0) } }

    public struct UnavailablePath: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "kernel path '\(name)' is not available here; expected one of auto, \(Kernels.availablePaths.joined(separator: ", "))"
        }
    }

    /// Forces a path ("auto" picks the widest), for tests and `bench perf`.
    public static func use(path name: String) throws {
        let value = gembench_path_from_name(name)
        guard value >= 0, gembench_set_path(gembench_path(rawValue: UInt32(value))) == 0 else {
            throw UnavailablePath(name: name)
        }
    }

    /// C (m×n) = op(A)·op(B), or C + op(A)·op(B) when `accumulate`, all row-major; every
    /// C[i][j] is one fused-multiply-add chain over k in increasing order (CKernels.h). With
    /// `alpha`, each term is (alpha·a)·b, alpha·a rounded to float first.
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        gembench_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, accumulate ? 1 : 0, c, ldc)
    }

    /// y[i] = fma(alpha, x[i], y[i]).
    @inline(__always)
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        gembench_axpy(n, alpha, x, y)
    }

    /// xᵀy in 16 fused chains and a fixed addition tree (CKernels.h): for long vectors.
    @inline(__always)
    public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        gembench_dot(n, x, y)
    }

    /// out[r] = dot(row r of `rows`, x) for r < count, rows `n` long and `stride` apart.
    @inline(__always)
    public static func dots(
        count: Int, n: Int, rows: UnsafePointer<Float>, stride: Int, x: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        gembench_dots(count, n, rows, stride, x, out)
    }

    /// gram[i·count + j] = dot(row i, row j) of `rows` (count rows, `n` long, `stride` apart).
    @inline(__always)
    public static func gram(
        count: Int, n: Int, rows: UnsafePointer<Float>, stride: Int,
        into gram: UnsafeMutablePointer<Float>
    ) {
        gembench_gram(count, n, rows, stride, gram)
    }

    /// xᵀy as a serial float64 sum: written in Swift, which never fuses a multiply-add, so the
    /// same on every CPU. For sign checks and projections that want float64 (A-GEM).
    @inline(__always)
    public static func doubleDot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(x[i]) * Double(y[i]) }
        return s
    }

    /// e^x, log x, log(1 + x) for Float and sin, cos for Double: the project's own, the same
    /// bits on every platform (never the platform's libm, whose results vary by CPU).
    @inline(__always) public static func exp(_ x: Float) -> Float { gembench_expf(x) }
    /// y[i] = exp(x[i]) for i < n, several at a time, the same bits (`x` may be `y`).
    @inline(__always) public static func exp(_ n: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        gembench_expf_n(n, x, y)
    }
    @inline(__always) public static func log(_ x: Float) -> Float { gembench_logf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { gembench_log1pf(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { gembench_sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { gembench_cos(x) }
}
