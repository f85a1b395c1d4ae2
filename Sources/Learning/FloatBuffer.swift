/// A fixed-size, zero-initialised Float32 buffer with a stable address.
///
/// Training touches the same buffers every step; a stable pointer avoids both the
/// copy-on-write checks of `[Float]` and any per-step allocation.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(count, 1))
        pointer.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "buffer sizes differ: \(other.count) vs \(count)")
        pointer.update(from: other.pointer, count: count)
    }
}

/// A buffer that grows to the largest size asked of it and is then reused.
final class Workspace {
    private(set) var buffer = FloatBuffer(count: 0)

    func pointer(atLeast count: Int) -> UnsafeMutablePointer<Float> {
        if buffer.count < count { buffer = FloatBuffer(count: count) }
        return buffer.pointer
    }
}
