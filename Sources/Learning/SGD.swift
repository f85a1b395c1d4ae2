/// Stochastic gradient descent on the flat parameter vector, with optional momentum
/// (PyTorch's convention: v ← μv + g, p ← p − lr·v).
public final class SGD {
    public var learningRate: Float
    public let momentum: Float
    private var velocity: FloatBuffer?

    public init(learningRate: Float, momentum: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func step(_ network: Network) {
        let p = network.parameters.pointer
        let g = network.gradients.pointer
        let n = network.parameterCount
        if momentum == 0 {
            Kernels.axpy(n, alpha: -learningRate, x: g, y: p)
            return
        }
        if velocity == nil || velocity!.count != n { velocity = FloatBuffer(count: n) }
        let v = velocity!.pointer
        for i in 0..<n { v[i] = momentum * v[i] + g[i] }
        Kernels.axpy(n, alpha: -learningRate, x: v, y: p)
    }

    /// The momentum buffer (empty before the first step with momentum): a checkpoint's part of
    /// the optimiser. Setting it restores exactly that buffer.
    public var momentumBuffer: [Float] {
        get { velocity?.array ?? [] }
        set { velocity = newValue.isEmpty ? nil : FloatBuffer(newValue) }
    }

    /// Forgets momentum (e.g. when a new model starts).
    public func reset() { velocity?.fill(0) }
}
