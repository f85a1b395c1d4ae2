/// The GEM paper's reduced ResNet18 (`Network.reducedResNet18`) with `width` (nf) feature maps in
/// its first stage (the paper: 20).
public enum ReducedResNet18: ModelDefinition {
    public static let kind = "resnet18"
    public static let abstract = "the GEM paper's reduced ResNet18 (CIFAR-100), nf feature maps in its first stage"
    public static let keys = [
        ModelKey(
            "width", .positiveInt, default: [20],
            help: "feature maps of the first stage, nf (the paper: 20)")
    ]

    public static func build(
        _ spec: ModelSpec, inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant,
        rng: inout RandomStream
    ) throws -> Network {
        if let problem = problem(spec, with: variant, tasks: tasks) { throw ModelShapeError(description: problem) }
        let width = spec.int("width")
        let nf = variant == .hiddenDividedAmongTasks ? max(1, width / tasks) : width
        let image = inputShape.count == 3 ? inputShape : [1, 1, inputShape.reduce(1, *)]
        return try Network.reducedResNet18(
            channels: image[0], height: image[1], width: image[2], classes: classes,
            nf: nf, rng: &rng)
    }

    public static func problem(_ spec: ModelSpec, withInput inputShape: [Int]) -> String? {
        guard inputShape.count == 3 else { return "resnet18 needs image inputs (channels x height x width)" }
        // a 3x3 convolution with padding 1 and stride 2 maps n to (n − 1) / 2 + 1
        var (h, w) = (inputShape[1], inputShape[2])
        for _ in 0..<3 { (h, w) = ((h - 1) / 2 + 1, (w - 1) / 2 + 1) }
        return h == 4 && w == 4
            ? nil
            : "resnet18 pools a 4x4 final map, but \(inputShape.map(String.init).joined(separator: "x")) inputs leave \(h)x\(w) (use 28x28 to 32x32 images)"
    }

    public static func problem(_ spec: ModelSpec, with variant: ModelVariant, tasks: Int) -> String? {
        switch variant {
        case .standard: return nil
        case .taskRoutedInput:
            return "multimodal's task-specific input layers need an MLP (model.kind: mlp), not resnet18"
        case .hiddenDividedAmongTasks:
            let width = spec.int("width")
            return width < tasks
                ? "independent divides model.width \(width) among the \(tasks) tasks: it needs at least \(tasks)" : nil
        }
    }

    /// About 25 maps of nf·H·W per image over the stages (halving with each), twice with their
    /// gradients, and the im2col buffer of the widest layer.
    public static func activationsPerRow(_ spec: ModelSpec, inputWidth: Int, classes: Int, training: Bool) -> Double {
        ((training ? 50 : 25) + 9) * Double(spec.int("width")) * Double(inputWidth)
    }
}

/// Why a reduced ResNet18 cannot be built for an input shape.
public struct ModelShapeError: Error, CustomStringConvertible {
    public var description: String
}

extension Network {
    /// The reduced ResNet18 of GEM's reference code (`model/common.py`, `ResNet18(nclasses, nf=20)`):
    /// conv3×3 (in → nf, stride 1, padding 1, no bias), batch norm, ReLU; four stages of two
    /// BasicBlocks (`ResidualBlock`) of widths nf, 2nf, 4nf, 8nf and strides 1, 2, 2, 2; the mean
    /// of the final 4×4 map per channel; one linear layer to the classes.
    ///
    /// Layers: 0 conv, 1 batch norm, 2 ReLU, 3–10 the blocks, 11 pooling, 12 linear. Parameter
    /// names map one to one to PyTorch's (`docs/performance.md`, "Reduced ResNet18").
    /// Initialisation follows PyTorch's defaults, as the reference code keeps them: convolutions
    /// and the linear layer U(±1/√fan-in) (bias too), batch norm γ = 1, β = 0.
    ///
    /// nf = 20, 3×32×32, 100 classes: 1,109,240 parameters. 1×28×28 gives maps 28, 14, 7, 4.
    /// - Throws: `ModelShapeError` when the final map is not 4×4 (the reference pools 4×4 into
    ///   one value per channel, and its linear layer expects exactly that).
    public static func reducedResNet18(
        channels: Int, height: Int, width: Int, classes: Int, nf: Int = 20,
        rng: inout RandomStream
    ) throws -> Network {
        guard channels > 0, height > 0, width > 0, classes > 0, nf > 0 else {
            throw ModelShapeError(
                description: "reduced ResNet18: channels \(channels), height \(height), width \(width), "
                    + "classes \(classes) and nf \(nf) must be positive")
        }
        let image = ImageShape(channels: channels, height: height, width: width)
        let stem = Conv2D(image, outChannels: nf, kernel: 3, stride: 1, padding: 1)
        var layers: [Layer] = [stem, BatchNorm(stem.output), ReLU(stem.output.count)]
        var shape = stem.output
        let scratch = ResidualScratch()
        for (stage, stride) in [1, 2, 2, 2].enumerated() {
            for block in 0..<2 {
                let residual = ResidualBlock(
                    shape, outChannels: nf << stage, stride: block == 0 ? stride : 1,
                    scratch: scratch)
                layers.append(residual)
                shape = residual.output
            }
        }
        guard shape.height == 4 && shape.width == 4 else {
            throw ModelShapeError(
                description: "reduced ResNet18: a \(image) input leaves a \(shape.height)x\(shape.width) "
                    + "final map; it must be 4x4 (e.g. 32x32 or 28x28 inputs)")
        }
        layers.append(GlobalAveragePool(shape))
        let classifier = Linear(shape.channels, classes)
        layers.append(classifier)
        let network = Network(layers: layers, rng: &rng)
        // Linear's own initialisation is the MLP's Xavier; the reference ResNet keeps PyTorch's default.
        let limit = 1 / Float(shape.channels).squareRoot()
        for i in 0..<((shape.channels + 1) * classes) {
            network.parameters[classifier.offset + i] = (2 * rng.unitFloat() - 1) * limit
        }
        return network
    }

    /// Normalises each segment of the next batches' rows as its own batch in every batch-norm
    /// layer (train mode; running statistics updated once per segment, in order), e.g. one
    /// segment per past task's memory for GEM's reference gradients in one pass. nil: one
    /// segment of all rows. Segments must cover the rows in order; gradient targets of the
    /// backward that follows must hold whole segments.
    public func setBatchSegments(_ segments: [Range<Int>]?) {
        for layer in layers { (layer as? RowSegmented)?.segments = segments }
    }

    /// Threads for convolutions and batch norm; results do not depend on it.
    public func setLanes(_ lanes: Int) {
        precondition(lanes >= 1, "lanes must be at least 1, got \(lanes)")
        for layer in layers { (layer as? LaneParallel)?.lanes = lanes }
    }

    /// Floating-point operations per image of the convolution and linear products (2 per
    /// multiply-add; batch norm, ReLU and pooling add well under 1%): the forward, and the
    /// backward (weight gradients, plus input gradients for every layer but the first).
    public var productFLOPsPerImage: (forward: Int, backward: Int) {
        var convolutions: [Conv2D] = []
        var linears: [Linear] = []
        for layer in layers {
            if let conv = layer as? Conv2D { convolutions.append(conv) }
            if let linear = layer as? Linear { linears.append(linear) }
            if let block = layer as? ResidualBlock {
                convolutions += [block.conv1, block.conv2] + (block.shortcut.map { [$0.conv] } ?? [])
            }
        }
        var forward = 0
        var backward = 0
        for (index, conv) in convolutions.enumerated() {
            forward += conv.flopsPerImage
            backward += conv.flopsPerImage * (index == 0 && layers.first === conv ? 1 : 2)
        }
        for linear in linears {
            let flops = 2 * linear.inputWidth * linear.outputWidth
            forward += flops
            backward += 2 * flops
        }
        return (forward, backward)
    }
}
