import Learning

// Central differences, the independent truth of the gradient tests: one definition, used by
// every test that checks a derivative.

/// (f(h) − f(−h)) / 2h: the derivative at 0 of `f`, a function of a displacement.
public func centralDifference(h: Double, _ f: (Double) -> Double) -> Double {
    (f(h) - f(-h)) / (2 * h)
}

/// d loss / d value, moving the float at `value` by ±h (it is restored).
public func centralDifference(_ value: UnsafeMutablePointer<Float>, h: Float, _ loss: () -> Double) -> Double {
    let saved = value.pointee
    defer { value.pointee = saved }
    return centralDifference(h: Double(h)) { d in
        value.pointee = saved + Float(d)
        return loss()
    }
}

/// Central differences at h and h/2, Richardson-extrapolated, (4·D(h/2) − D(h)) / 3: its error is
/// O(h⁴), so h can stay large enough for float32 rounding not to dominate. `kink`: the two
/// quotients disagree the way they do when a ReLU switches inside [−h, h] (a smooth function's
/// differ by O(h²)).
public func richardsonDerivative(_ value: UnsafeMutablePointer<Float>, h: Float, _ loss: () -> Double)
    -> (value: Double, kink: Bool)
{
    let (wide, narrow) = (centralDifference(value, h: h, loss), centralDifference(value, h: h / 2, loss))
    return ((4 * narrow - wide) / 3, abs(wide - narrow) > 1e-2 * max(1, abs(narrow)))
}

/// dL/dθ_i of `network`'s parameter i, `richardsonDerivative` with h = 1e-2.
public func numericDerivative(_ network: Network, _ i: Int, _ loss: () -> Double) -> Double {
    richardsonDerivative(network.parameters.pointer + i, h: 1e-2, loss).value
}

/// Every parameter's `numericDerivative`, except where a ReLU switches within ±1e-2 of it
/// (`pattern`, which ReLUs are on, changes): the difference quotient means nothing there and
/// `analytic`'s value is taken. Returns the derivatives and how many such kinks were met.
public func numericGradient(
    _ network: Network, analytic: [Double], loss: () -> Double,
    pattern: () -> [Bool]
) -> (values: [Double], kinks: Int) {
    let base = pattern()
    var numeric = [Double](repeating: 0, count: network.parameterCount)
    var kinks = 0
    for i in 0..<network.parameterCount {
        numeric[i] = numericDerivative(network, i, loss)
        let saved = network.parameters[i]
        network.parameters[i] = saved + 1e-2
        let up = pattern()
        network.parameters[i] = saved - 1e-2
        let down = pattern()
        network.parameters[i] = saved
        if up != base || down != base {
            numeric[i] = analytic[i]
            kinks += 1
        }
    }
    return (numeric, kinks)
}

/// Plain central differences (h = 1e-2) of `loss` at every `stride`-th parameter of `network`.
public func finiteDifferences(
    _ network: Network, stride: Int = 1, h: Float = 1e-2,
    _ loss: () -> Double
) -> [(index: Int, value: Double)] {
    Swift.stride(from: 0, to: network.parameterCount, by: stride).map { i in
        (i, centralDifference(network.parameters.pointer + i, h: h, loss))
    }
}
