/// Rectified linear unit, elementwise.
public final class ReLU: Layer {
    public let inputWidth: Int
    public var outputWidth: Int { inputWidth }
    public var offset = 0
    public var parameterShapes: [(name: String, shape: [Int])] { [] }

    public init(_ width: Int) { inputWidth = width }

    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {}

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        for i in 0..<(rows * inputWidth) { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        guard let dx else { return }
        // dy[i] read unconditionally so the loop compiles to a vector select, not a branch per element.
        for i in 0..<(rows * inputWidth) {
            let d = dy[i]
            dx[i] = x[i] > 0 ? d : 0
        }
    }
}
