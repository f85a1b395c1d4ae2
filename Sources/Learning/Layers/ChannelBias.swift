/// Adds one learned value per channel to every pixel of that channel: the bias of a
/// convolution (`Conv2D` has none, as the ResNet's convolutions need none before batch norm).
public final class ChannelBias: Layer {
    public let shape: ImageShape
    public var offset = 0
    public var inputWidth: Int { shape.count }
    public var outputWidth: Int { shape.count }
    /// Initial values are uniform in ±`initialLimit` (PyTorch's conv bias: 1/√fan-in).
    private let initialLimit: Float

    public init(_ shape: ImageShape, initialLimit: Float = 0) {
        self.shape = shape
        self.initialLimit = initialLimit
    }

    public var parameterShapes: [(name: String, shape: [Int])] { [("bias", [shape.channels])] }

    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        for c in 0..<shape.channels { parameters[offset + c] = (2 * rng.unitFloat() - 1) * initialLimit }
    }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        let b = parameters + offset
        let pixels = shape.pixels
        for r in 0..<rows {
            for c in 0..<shape.channels {
                let start = (r * shape.channels + c) * pixels
                for p in start..<(start + pixels) { y[p] = x[p] + b[c] }
            }
        }
    }

    /// dx = dy; each target's bias gradient is Σ dy over its rows and the channel's pixels,
    /// summed row by row and pixel by pixel.
    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        let pixels = shape.pixels
        for target in targets {
            let g = target.gradient + offset
            for c in 0..<shape.channels {
                var sum: Float = 0
                for r in target.rows {
                    let start = (r * shape.channels + c) * pixels
                    for p in start..<(start + pixels) { sum += dy[p] }
                }
                g[c] += sum
            }
        }
        dx?.update(from: dy, count: rows * shape.count)
    }
}
