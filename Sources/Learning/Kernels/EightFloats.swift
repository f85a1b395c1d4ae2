// Eight floats at a time, for the element-wise passes of the conv layers: Swift keeps such
// loops scalar where it cannot rule out that input and output overlap. The passes of batch
// norm and of the residual blocks are here, beside the loads and stores they are made of.

/// The eight floats at p[i..<i+8].
@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
}

/// Writes v to p[i..<i+8].
@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// to[i] += from[i] for i < count.
@inline(__always)
func addSpan(_ from: UnsafePointer<Float>, into to: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        store8(load8(to, i) + load8(from, i), to, i)
        i += 8
    }
    while i < count {
        to[i] += from[i]
        i += 1
    }
}

// MARK: Batch norm

// Sums over one row-channel's pixels in eight float lanes, a fixed order that Swift would not
// vectorise on its own (it keeps float additions in source order).

@inline(__always)
func simdSum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        lanes += load8(a, i)
        i += 8
    }
    var total = lanes.sum()
    while i < n {
        total += a[i]
        i += 1
    }
    return total
}

/// Σ (a − m)².
@inline(__always)
func simdSquaredDeviations(_ a: UnsafePointer<Float>, _ n: Int, from m: Float) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    let m8 = SIMD8<Float>(repeating: m)
    while i + 8 <= n {
        let d = load8(a, i) - m8
        lanes += d * d
        i += 8
    }
    var total = lanes.sum()
    while i < n {
        total += (a[i] - m) * (a[i] - m)
        i += 1
    }
    return total
}

/// Σ a and Σ a · (b − shift) in one sweep, each summed as `simdSum` sums.
@inline(__always)
func simdSumAndDot(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int,
    shift: Float
) -> (sum: Float, dot: Float) {
    var sums = SIMD8<Float>()
    var dots = SIMD8<Float>()
    var i = 0
    let s8 = SIMD8<Float>(repeating: shift)
    while i + 8 <= n {
        let a8 = load8(a, i)
        sums += a8
        dots += a8 * (load8(b, i) - s8)
        i += 8
    }
    var sum = sums.sum()
    var dot = dots.sum()
    while i < n {
        sum += a[i]
        dot += a[i] * (b[i] - shift)
        i += 1
    }
    return (sum, dot)
}

// Element-wise passes eight at a time, with the same operations per element as the scalar tail.

/// out = (a − shift) · scale + plus.
@inline(__always)
func simdAffine(
    _ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ n: Int,
    shift: Float, scale: Float, plus: Float
) {
    var i = 0
    while i + 8 <= n {
        let v = (load8(a, i) - shift) * scale + plus
        store8(v, out, i)
        i += 8
    }
    while i < n {
        out[i] = (a[i] - shift) * scale + plus
        i += 1
    }
}

/// out = a · factor.
@inline(__always)
func simdScale(_ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
    var i = 0
    while i + 8 <= n {
        let v = load8(a, i) * factor
        store8(v, out, i)
        i += 8
    }
    while i < n {
        out[i] = a[i] * factor
        i += 1
    }
}

/// dx = scale · (dy − meanDy − (x − mean) · inverse · meanProjected).
@inline(__always)
func simdInputGradient(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
    _ n: Int, mean: Float, inverse: Float, scale: Float, meanDy: Float, meanProjected: Float
) {
    var i = 0
    while i + 8 <= n {
        let x8 = load8(x, i)
        let dy8 = load8(dy, i)
        let v = scale * (dy8 - meanDy - (x8 - mean) * inverse * meanProjected)
        store8(v, dx, i)
        i += 8
    }
    while i < n {
        dx[i] = scale * (dy[i] - meanDy - (x[i] - mean) * inverse * meanProjected)
        i += 1
    }
}

// MARK: Residual blocks

// The block's element-wise passes over one span, eight at a time.

/// max(v, 0) lane by lane, exactly as Swift's `max` (0 where 0 ≥ v, so −0 becomes 0).
@inline(__always)
func rectified(_ v: SIMD8<Float>) -> SIMD8<Float> {
    v.replacing(with: Float(0), where: SIMD8<Float>(repeating: 0) .>= v)
}

/// v = max(v, 0).
@inline(__always)
func rectify(_ v: UnsafeMutablePointer<Float>, _ span: Range<Int>) {
    var i = span.lowerBound
    while i + 8 <= span.upperBound {
        store8(rectified(load8(v, i)), v, i)
        i += 8
    }
    while i < span.upperBound {
        v[i] = max(v[i], 0)
        i += 1
    }
}

/// y = max(y + x, 0).
@inline(__always)
func addAndRectify(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ span: Range<Int>) {
    var i = span.lowerBound
    while i + 8 <= span.upperBound {
        store8(rectified(load8(y, i) + load8(x, i)), y, i)
        i += 8
    }
    while i < span.upperBound {
        y[i] = max(y[i] + x[i], 0)
        i += 1
    }
}

/// out = d where y > 0, else 0 (the gradient through a ReLU whose output is y).
@inline(__always)
func passWherePositive(
    _ d: UnsafePointer<Float>, where y: UnsafePointer<Float>,
    into out: UnsafeMutablePointer<Float>, _ span: Range<Int>
) {
    var i = span.lowerBound
    while i + 8 <= span.upperBound {
        store8(SIMD8<Float>(repeating: 0).replacing(with: load8(d, i), where: load8(y, i) .> 0), out, i)
        i += 8
    }
    while i < span.upperBound {
        out[i] = y[i] > 0 ? d[i] : 0
        i += 1
    }
}
