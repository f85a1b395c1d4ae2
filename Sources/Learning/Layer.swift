/// Where one slice of a batch's rows sends its parameter gradients.
///
/// A normal step has one target (all rows, the model's gradient buffer). GEM's reference
/// gradients use one target per past task: one forward and one backward pass over all
/// memories, then one weight-gradient product per task into that task's gradient row.
public struct GradientTarget {
    public var rows: Range<Int>
    /// Base of a flat gradient vector with the model's parameter layout; gradients are added.
    public var gradient: UnsafeMutablePointer<Float>

    public init(rows: Range<Int>, gradient: UnsafeMutablePointer<Float>) {
        self.rows = rows
        self.gradient = gradient
    }
}

/// One named parameter tensor inside the model's flat parameter vector.
public struct ParameterBlock: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }

    public init(name: String, shape: [Int], offset: Int) {
        (self.name, self.shape, self.offset) = (name, shape, offset)
    }
}

/// A layer with explicit forward and backward passes over row-major batches.
///
/// Parameters live in the model's one flat buffer, at `offset`; a layer reads them from
/// the base pointer it is given and never owns any.
public protocol Layer: AnyObject {
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// Parameter tensors, in the order they sit in the flat buffer (offsets relative to the layer).
    var parameterShapes: [(name: String, shape: [Int])] { get }
    /// Absolute offset of this layer's first parameter in the flat buffer; set by `Network`.
    var offset: Int { get set }

    /// Writes initial parameters (at `parameters + offset`).
    func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream)

    /// y = f(x) for `rows` rows. `tasks` gives each row's task id, for task-routed layers.
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
                 parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?)

    /// Given dL/dy, writes dL/dx (when `dx` is non-nil) and adds parameter gradients of
    /// each target's rows into that target's flat gradient.
    func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
                  targets: [GradientTarget], tasks: UnsafePointer<Int32>?)
}

extension Layer {
    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}
