/// Mean over each channel's pixels: C×H×W rows in, C values out. On GEM's ResNet the final
/// map is 4×4, where this is the reference code's `avg_pool2d(out, 4)`.
public final class GlobalAveragePool: Layer {
    public let shape: ImageShape
    public var offset = 0
    public var inputWidth: Int { shape.count }
    public var outputWidth: Int { shape.channels }
    public var parameterShapes: [(name: String, shape: [Int])] { [] }

    public init(_ shape: ImageShape) { self.shape = shape }

    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {}

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        let pixels = shape.pixels
        for i in 0..<(rows * shape.channels) {
            var sum: Float = 0
            for p in 0..<pixels { sum += x[i * pixels + p] }
            y[i] = sum / Float(pixels)
        }
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        guard let dx else { return }
        let pixels = shape.pixels
        for i in 0..<(rows * shape.channels) {
            let share = dy[i] / Float(pixels)
            for p in 0..<pixels { dx[i * pixels + p] = share }
        }
    }
}
