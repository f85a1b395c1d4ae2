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

/// Whether layers use batch statistics and update their running state (training), or use the
/// running state as it is (evaluation). Layers without state behave alike in both.
public enum LayerMode: Sendable, Equatable {
    case train
    case eval
}

/// A layer with explicit forward and backward passes over row-major batches.
///
/// Parameters live in the model's one flat buffer, at `offset`; a layer reads them from
/// the base pointer it is given and never owns any. Non-trainable state (batch norm's
/// running statistics) lives in the model's second flat buffer, `Network.state`, which
/// optimisers, gradient projections and penalties never see; a stateful layer declares it in
/// `stateShapes` and is handed its slice by `bindState`.
public protocol Layer: AnyObject {
    var inputWidth: Int { get }
    var outputWidth: Int { get }
    /// Parameter tensors, in the order they sit in the flat buffer (offsets relative to the layer).
    var parameterShapes: [(name: String, shape: [Int])] { get }
    /// Absolute offset of this layer's first parameter in the flat buffer; set by `Network`.
    var offset: Int { get set }

    /// State tensors, in the order they sit in the network's state buffer; empty for most layers.
    var stateShapes: [(name: String, shape: [Int])] { get }
    /// Called once by `Network` with this layer's slice of the state buffer, already initialised
    /// by `initializeState`.
    func bindState(_ state: UnsafeMutablePointer<Float>)
    /// Writes the initial state (e.g. running mean 0, running variance 1) into this layer's slice.
    func initializeState(_ state: UnsafeMutablePointer<Float>)
    /// Train or eval; set for every layer at once through `Network.mode`.
    var mode: LayerMode { get set }

    /// Writes initial parameters (at `parameters + offset`).
    func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream)

    /// y = f(x) for `rows` rows. `tasks` gives each row's task id, for task-routed layers.
    func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?)

    /// Given dL/dy, writes dL/dx (when `dx` is non-nil) and adds parameter gradients of
    /// each target's rows into that target's flat gradient.
    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?)
}

extension Layer {
    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.shape.reduce(1, *) } }
    public var stateCount: Int { stateShapes.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    // Stateless layers: no state, and a mode that changes nothing.
    public var stateShapes: [(name: String, shape: [Int])] { [] }
    public func bindState(_ state: UnsafeMutablePointer<Float>) {}
    public func initializeState(_ state: UnsafeMutablePointer<Float>) {}
    public var mode: LayerMode {
        get { .train }
        set {}
    }
}
