// Eight floats at a time, for the element-wise passes of the conv layers: Swift keeps such
// loops scalar where it cannot rule out that input and output overlap.

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
    while i + 8 <= count { store8(load8(to, i) + load8(from, i), to, i); i += 8 }
    while i < count { to[i] += from[i]; i += 1 }
}
