/// ResNet's BasicBlock as GEM's reference code builds it:
/// y = ReLU(BN(conv3×3(ReLU(BN(conv3×3(x))))) + shortcut(x)), where the first convolution has
/// the block's stride and the shortcut is the identity, or a 1×1 convolution with that stride
/// followed by batch norm when the shape changes.
///
/// One `Layer` to the network; inside, its sub-layers share the block's slice of the flat
/// parameter vector in the order conv1, bn1, conv2, bn2, shortcut.0 (conv), shortcut.1 (BN),
/// named as PyTorch names them. The block keeps the activations its backward needs (conv1,
/// bn1+ReLU and conv2 outputs, and the shortcut's conv output); backward's temporaries live in
/// `scratch`, which all blocks of one network may share because they run one after another.
public final class ResidualBlock: Layer, RowSegmented, LaneParallel {
    public let input: ImageShape
    public let output: ImageShape
    let conv1: Conv2D, bn1: BatchNorm, conv2: Conv2D, bn2: BatchNorm
    let shortcut: (conv: Conv2D, norm: BatchNorm)?
    private let scratch: ResidualScratch
    private let conv1Output = Workspace(), bn1Output = Workspace(), conv2Output = Workspace()
    private let shortcutOutput = Workspace()

    public var inputWidth: Int { input.count }
    public var outputWidth: Int { output.count }

    public init(_ input: ImageShape, outChannels: Int, stride: Int, scratch: ResidualScratch = ResidualScratch()) {
        self.input = input
        conv1 = Conv2D(input, outChannels: outChannels, kernel: 3, stride: stride, padding: 1)
        output = conv1.output
        bn1 = BatchNorm(output)
        conv2 = Conv2D(output, outChannels: outChannels, kernel: 3, stride: 1, padding: 1)
        bn2 = BatchNorm(output)
        if stride != 1 || input.channels != outChannels {
            let conv = Conv2D(input, outChannels: outChannels, kernel: 1, stride: stride)
            shortcut = (conv, BatchNorm(conv.output))
        } else {
            shortcut = nil
        }
        self.scratch = scratch
    }

    private var parts: [(name: String, layer: Layer)] {
        var parts: [(String, Layer)] = [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
        if let shortcut { parts += [("shortcut.0", shortcut.conv), ("shortcut.1", shortcut.norm)] }
        return parts
    }

    private var norms: [BatchNorm] { [bn1, bn2] + (shortcut.map { [$0.norm] } ?? []) }

    public var offset = 0 {
        didSet {
            var next = offset
            for (_, layer) in parts {
                layer.offset = next
                next += layer.parameterCount
            }
        }
    }

    public var parameterShapes: [(name: String, shape: [Int])] {
        parts.flatMap { part in part.layer.parameterShapes.map { ("\(part.name).\($0.name)", $0.shape) } }
    }

    public var stateShapes: [(name: String, shape: [Int])] {
        parts.flatMap { part in part.layer.stateShapes.map { ("\(part.name).\($0.name)", $0.shape) } }
    }

    public func initializeState(_ state: UnsafeMutablePointer<Float>) {
        var next = 0
        for norm in norms {
            norm.initializeState(state + next)
            next += norm.stateCount
        }
    }

    public func bindState(_ state: UnsafeMutablePointer<Float>) {
        var next = 0
        for norm in norms {
            norm.bindState(state + next)
            next += norm.stateCount
        }
    }

    public var mode: LayerMode {
        get { bn1.mode }
        set { for norm in norms { norm.mode = newValue } }
    }

    public var segments: [Range<Int>]? {
        get { bn1.segments }
        set { for norm in norms { norm.segments = newValue } }
    }

    public var lanes: Int {
        get { conv1.lanes }
        set {
            for (_, layer) in parts { (layer as? LaneParallel)?.lanes = newValue }
        }
    }

    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        for (_, layer) in parts { layer.initialize(parameters, using: &rng) }
    }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        let n = rows * outputWidth
        let h1 = conv1Output.pointer(atLeast: n)
        let r1 = bn1Output.pointer(atLeast: n)
        let h2 = conv2Output.pointer(atLeast: n)
        conv1.forward(x, h1, rows: rows, parameters: parameters, tasks: tasks)
        bn1.forward(h1, r1, rows: rows, parameters: parameters, tasks: tasks)
        forEachSpan(n, lanes: lanes) { span in rectify(r1, span) }
        conv2.forward(r1, h2, rows: rows, parameters: parameters, tasks: tasks)
        bn2.forward(h2, y, rows: rows, parameters: parameters, tasks: tasks)
        if let shortcut {
            let hs = shortcutOutput.pointer(atLeast: n)
            let s = scratch.a.pointer(atLeast: n)
            shortcut.conv.forward(x, hs, rows: rows, parameters: parameters, tasks: tasks)
            shortcut.norm.forward(hs, s, rows: rows, parameters: parameters, tasks: tasks)
            forEachSpan(n, lanes: lanes) { span in addAndRectify(UnsafePointer(s), into: y, span) }
        } else {
            forEachSpan(n, lanes: lanes) { span in addAndRectify(x, into: y, span) }
        }
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        let n = rows * outputWidth
        let h1 = UnsafePointer(conv1Output.pointer(atLeast: n))
        let r1 = UnsafePointer(bn1Output.pointer(atLeast: n))
        let h2 = UnsafePointer(conv2Output.pointer(atLeast: n))
        let dz = scratch.a.pointer(atLeast: n)
        let d1 = scratch.b.pointer(atLeast: n)
        let d2 = scratch.c.pointer(atLeast: n)
        forEachSpan(n, lanes: lanes) { span in passWherePositive(dy, where: y, into: dz, span) }  // the final ReLU
        bn2.backward(x: h2, y: y, dy: dz, dx: d1, rows: rows, parameters: parameters, targets: targets, tasks: tasks)
        conv2.backward(x: r1, dy: d1, dx: d2, accumulate: false, rows: rows, parameters: parameters, targets: targets)
        forEachSpan(n, lanes: lanes) { span in passWherePositive(d2, where: r1, into: d2, span) }  // bn1's ReLU
        bn1.backward(x: h1, y: r1, dy: d2, dx: d1, rows: rows, parameters: parameters, targets: targets, tasks: tasks)
        conv1.backward(x: x, dy: d1, dx: dx, accumulate: false, rows: rows, parameters: parameters, targets: targets)
        if let shortcut {
            let hs = UnsafePointer(shortcutOutput.pointer(atLeast: n))
            shortcut.norm.backward(
                x: hs, y: y, dy: dz, dx: d2, rows: rows, parameters: parameters,
                targets: targets, tasks: tasks)
            shortcut.conv.backward(
                x: x, dy: d2, dx: dx, accumulate: true, rows: rows, parameters: parameters,
                targets: targets)
        } else if let dx {
            forEachSpan(n, lanes: lanes) { span in
                addSpan(dz + span.lowerBound, into: dx + span.lowerBound, count: span.count)
            }
        }
    }
}

/// Backward temporaries of residual blocks, shareable by all blocks of one network.
public final class ResidualScratch {
    let a = Workspace(), b = Workspace(), c = Workspace()
    public init() {}
}
