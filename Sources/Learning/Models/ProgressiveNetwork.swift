/// A progressive neural network (Rusu et al. 2016, "Progressive Neural Networks") of MLP
/// columns, one per task: column k's layer i ≥ 1 reads the hidden output h_{i−1} of every column
/// 0…k, its own and, through lateral connections, the earlier ones':
///
///     h_i^(k) = ReLU(W_i^(k) [h_{i−1}^(0), …, h_{i−1}^(k−1), h_{i−1}^(k)] + b_i^(k))
///
/// (the last layer without the ReLU: column k's logits); layer 0 reads the input alone. The
/// laterals are plain linear maps, as in the A-GEM paper's code (facebookresearch/agem,
/// `extensible_fc_column_progNN`), with no adapter. Each column is its own `Network` of one
/// `ProgressiveColumn` layer whose parameters are the column's own weights and its laterals; the
/// earlier columns' parameters stay in their own networks, which training column k never touches.
public final class ProgressiveNetwork {
    public let shape: ProgressiveShape
    /// Column k's network: its logits for task k, its parameters only its own and its laterals.
    public let columns: [Network]

    /// Builds `count` columns, each layer's weights Xavier-uniform as a `Linear` of one column's
    /// widths (every lateral as a layer of its own), biases zero; drawn column by column.
    public init(_ shape: ProgressiveShape, columns count: Int, rng: inout RandomStream) {
        precondition(count >= 1, "a progressive network needs a column")
        self.shape = shape
        let activations = ProgressiveActivations(shape, columns: count)
        var built: [Network] = []
        for k in 0..<count {
            let layer = ProgressiveColumn(shape, index: k, earlier: built, activations: activations)
            built.append(Network(layers: [layer], rng: &rng))
        }
        columns = built
    }
}

/// The widths of every column: input, hidden widths, classes. Layer i maps widths[i] to
/// widths[i + 1]; in column k, layers i ≥ 1 take k + 1 times widths[i] inputs.
public struct ProgressiveShape: Sendable, Equatable {
    public let widths: [Int]

    public init(_ widths: [Int]) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "widths \(widths) do not make an MLP")
        self.widths = widths
    }

    /// An MLP `input-hidden…-classes`.
    public init(input: Int, hidden: [Int], classes: Int) { self.init([input] + hidden + [classes]) }

    public var layerCount: Int { widths.count - 1 }

    /// Inputs of column k's layer i: the input, or the k + 1 columns' h_{i−1}.
    public func layerInputs(_ i: Int, column k: Int) -> Int { i == 0 ? widths[0] : (k + 1) * widths[i] }

    /// Parameters of column k: per layer a weight (widths[i+1] × inputs) and a bias.
    public func parameters(ofColumn k: Int) -> Int {
        (0..<layerCount).reduce(0) { $0 + (layerInputs($1, column: k) + 1) * widths[$1 + 1] }
    }

    /// Parameters of columns 0..<count together.
    public func parameters(columns count: Int) -> Int { (0..<count).reduce(0) { $0 + parameters(ofColumn: $1) } }

    /// Multiply-adds of one row through column k: its hidden layers and those of every earlier
    /// column (the laterals' inputs), then its output layer. Biases count one each, as in `RowFLOPs`.
    public func forwardMultiplyAdds(ofColumn k: Int) -> Int {
        var total = 0
        for j in 0...k {
            for i in 0..<(layerCount - 1) { total += (layerInputs(i, column: j) + 1) * widths[i + 1] }
        }
        let last = layerCount - 1
        return total + (layerInputs(last, column: k) + 1) * widths[last + 1]
    }
}

/// The hidden outputs of every column for the last forward pass, shared by all columns of one
/// network (one column runs at a time): hidden layer i holds rows × (columns · widths[i + 1]),
/// column j's slice at j · widths[i + 1], so column k's layer i + 1 reads its k + 1 inputs as
/// one contiguous slice of each row.
final class ProgressiveActivations {
    let shape: ProgressiveShape
    let columns: Int
    private let hidden: [Workspace]
    let gradientA = Workspace(), gradientB = Workspace()

    init(_ shape: ProgressiveShape, columns: Int) {
        (self.shape, self.columns) = (shape, columns)
        hidden = (0..<(shape.layerCount - 1)).map { _ in Workspace() }
    }

    /// Row stride of hidden layer i.
    func stride(_ i: Int) -> Int { columns * shape.widths[i + 1] }

    /// Hidden layer i for `rows` rows (grown when needed; earlier pointers are then invalid).
    func hidden(_ i: Int, rows: Int) -> UnsafeMutablePointer<Float> { hidden[i].pointer(atLeast: rows * stride(i)) }
}

/// One column of a `ProgressiveNetwork`, as one layer: input → column k's logits. Its
/// parameters, layer by layer, are a weight (widths[i+1] × inputs: columns 0…k's h_{i−1} side by
/// side, this column's own last) and a bias. Forward computes the earlier columns' hidden layers
/// from their own networks' parameters; backward gives gradients to this column's parameters
/// only (the earlier columns are constants), and no input gradient.
public final class ProgressiveColumn: Layer {
    public let shape: ProgressiveShape
    /// The column's place k: it has k earlier columns.
    public let index: Int
    public var offset = 0
    private let earlier: [(column: ProgressiveColumn, network: Network)]
    private let activations: ProgressiveActivations

    init(_ shape: ProgressiveShape, index: Int, earlier: [Network], activations: ProgressiveActivations) {
        (self.shape, self.index, self.activations) = (shape, index, activations)
        self.earlier = earlier.map { ($0.layers[0] as! ProgressiveColumn, $0) }
    }

    public var inputWidth: Int { shape.widths[0] }
    public var outputWidth: Int { shape.widths[shape.layerCount] }

    public var parameterShapes: [(name: String, shape: [Int])] {
        (0..<shape.layerCount).flatMap { i in
            [
                ("fc\(i).weight", [shape.widths[i + 1], shape.layerInputs(i, column: index)]),
                ("fc\(i).bias", [shape.widths[i + 1]]),
            ]
        }
    }

    /// Where layer i's weight starts (its bias follows it).
    private func weightOffset(_ i: Int) -> Int {
        offset + (0..<i).reduce(0) { $0 + (shape.layerInputs($1, column: index) + 1) * shape.widths[$1 + 1] }
    }

    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        for i in 0..<shape.layerCount {
            let (inputs, outputs) = (shape.layerInputs(i, column: index), shape.widths[i + 1])
            // each column's slice as its own Linear(widths[i], widths[i+1]) would be initialised
            let limit = (6 / Float(shape.widths[i] + outputs)).squareRoot()
            let w = parameters + weightOffset(i)
            for e in 0..<(inputs * outputs) { w[e] = (2 * rng.unitFloat() - 1) * limit }
            (w + inputs * outputs).update(repeating: 0, count: outputs)
        }
    }

    /// Layer i of this column over `rows` rows into `y` (rows `ldy` apart): y = b + x Wᵀ, with x
    /// the input or the columns' hidden outputs, then the ReLU on hidden layers.
    private func layerForward(
        _ i: Int, input: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        let (inputs, outputs) = (shape.layerInputs(i, column: index), shape.widths[i + 1])
        let lda = i == 0 ? shape.widths[0] : activations.stride(i - 1)
        let w = parameters + weightOffset(i)
        let b = w + inputs * outputs
        for r in 0..<rows { (y + r * ldy).update(from: b, count: outputs) }
        Kernels.gemm(
            transB: true, m: rows, n: outputs, k: inputs, a: input, lda: lda, b: w, ldb: inputs,
            accumulate: true, c: y, ldc: ldy)
        guard i < shape.layerCount - 1 else { return }
        for r in 0..<rows {
            let row = y + r * ldy
            for j in 0..<outputs where !(row[j] > 0) { row[j] = 0 }
        }
    }

    /// This column's hidden layers into its slices of the shared activations (the earlier
    /// columns' slices must hold theirs for the same rows).
    private func hiddenForward(_ x: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>) {
        for i in 0..<(shape.layerCount - 1) {
            let input = i == 0 ? x : UnsafePointer(activations.hidden(i - 1, rows: rows))
            layerForward(
                i, input: input, rows: rows, parameters: parameters,
                into: activations.hidden(i, rows: rows) + index * shape.widths[i + 1], ldy: activations.stride(i))
        }
    }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        for (column, network) in earlier { column.hiddenForward(x, rows: rows, parameters: network.parameters.pointer) }
        hiddenForward(x, rows: rows, parameters: parameters)
        let last = shape.layerCount - 1
        let input = last == 0 ? x : UnsafePointer(activations.hidden(last - 1, rows: rows))
        layerForward(last, input: input, rows: rows, parameters: parameters, into: y, ldy: outputWidth)
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        // dL/dx would also run through the earlier columns; nothing upstream of a column asks for it
        precondition(dx == nil, "a progressive column gives no input gradient")
        var dz = dy  // dL/d(pre-activation) of layer i, rows × widths[i + 1]
        for i in stride(from: shape.layerCount - 1, through: 0, by: -1) {
            let (inputs, outputs) = (shape.layerInputs(i, column: index), shape.widths[i + 1])
            let input = i == 0 ? x : UnsafePointer(activations.hidden(i - 1, rows: rows))
            let lda = i == 0 ? shape.widths[0] : activations.stride(i - 1)
            let w = parameters + weightOffset(i)
            for target in targets where !target.rows.isEmpty {
                let first = target.rows.lowerBound
                let dw = target.gradient + weightOffset(i)
                // dW += dzᵀ [inputs] over the target's rows; db += column sums of dz
                Kernels.gemm(
                    transA: true, m: outputs, n: inputs, k: target.rows.count, a: dz + first * outputs,
                    lda: outputs, b: input + first * lda, ldb: lda, accumulate: true, c: dw, ldc: inputs)
                let db = dw + inputs * outputs
                for r in target.rows {
                    let row = dz + r * outputs
                    for j in 0..<outputs { db[j] += row[j] }
                }
            }
            guard i > 0 else { break }
            // through this column's own path only: dL/dh_{i−1} = dz W[:, own slice], then the ReLU
            let width = shape.widths[i]
            let dh = (i % 2 == 0 ? activations.gradientA : activations.gradientB).pointer(atLeast: rows * width)
            Kernels.gemm(
                m: rows, n: width, k: outputs, a: dz, lda: outputs, b: w + index * width, ldb: inputs,
                c: dh, ldc: width)
            let own = input + index * width
            for r in 0..<rows {
                for j in 0..<width where !(own[r * lda + j] > 0) { dh[r * width + j] = 0 }
            }
            dz = UnsafePointer(dh)
        }
    }
}
