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

/// dL/dθ_i by central differences with Richardson extrapolation, (4·D(h/2) − D(h)) / 3: its
/// error is O(h⁴), so h can stay large enough for float32 rounding not to dominate.
func numericDerivative(_ network: Network, _ i: Int, _ loss: () -> Double) -> Double {
    let saved = network.parameters[i]
    func central(_ h: Float) -> Double {
        network.parameters[i] = saved + h; let up = loss()
        network.parameters[i] = saved - h; let down = loss()
        network.parameters[i] = saved
        return (up - down) / (2 * Double(h))
    }
    return (4 * central(5e-3) - central(1e-2)) / 3
}

/// Every parameter's `numericDerivative`, except where a ReLU switches within ±1e-2 of it
/// (`pattern`, which ReLUs are on, changes): the difference quotient means nothing there and
/// `analytic`'s value is taken. Returns the derivatives and how many such kinks were met.
func numericGradient(_ network: Network, analytic: [Double], loss: () -> Double,
                     pattern: () -> [Bool]) -> (values: [Double], kinks: Int) {
    let base = pattern()
    var numeric = [Double](repeating: 0, count: network.parameterCount), kinks = 0
    for i in 0..<network.parameterCount {
        numeric[i] = numericDerivative(network, i, loss)
        let saved = network.parameters[i]
        network.parameters[i] = saved + 1e-2; let up = pattern()
        network.parameters[i] = saved - 1e-2; let down = pattern()
        network.parameters[i] = saved
        if up != base || down != base { numeric[i] = analytic[i]; kinks += 1 }
    }
    return (numeric, kinks)
}
