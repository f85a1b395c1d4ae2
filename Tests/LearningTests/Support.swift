@testable import Learning

/// `n` values uniform in [−scale, scale].
func randomArray(_ n: Int, _ rng: inout RandomStream, scale: Float = 1) -> [Float] {
    (0..<n).map { _ in (2 * rng.unitFloat() - 1) * scale }
}

/// Relative error ‖a − b‖ / max(‖a‖, ‖b‖).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let diff = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    let na = a.map { $0 * $0 }.reduce(0, +).squareRoot(), nb = b.map { $0 * $0 }.reduce(0, +).squareRoot()
    return diff / max(na, nb, 1e-12)
}
