/// A small convolutional network of the kind continual-learning papers use on MNIST: 3×3
/// convolutions of stride 2 and padding 1 (28×28 → 14×14 → 7×7), each with a bias and a ReLU,
/// then one linear layer to the classes. Initialised as PyTorch's defaults: convolutions and
/// their biases U(±1/√fan-in), the linear layer as the MLP's.
public enum SmallCNN: ModelDefinition {
    public static let kind = "cnn"
    public static let abstract = "a small CNN: 3x3 convolutions of stride 2 with bias and ReLU, then a linear layer"
    public static let keys = [
        ModelKey(
            "channels", .positiveIntList, default: [32, 64],
            help: "output channels of each convolution, in order")
    ]

    public static func build(
        _ spec: ModelSpec, inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant,
        rng: inout RandomStream
    ) throws -> Network {
        if let problem = problem(spec, withInput: inputShape) ?? problem(spec, with: variant, tasks: tasks) {
            throw ModelShapeError(description: problem)
        }
        var shape = ImageShape(channels: inputShape[0], height: inputShape[1], width: inputShape[2])
        var layers: [Layer] = []
        for channels in spec.list("channels") {
            let width = variant == .hiddenDividedAmongTasks ? max(1, channels / tasks) : channels
            let conv = Conv2D(shape, outChannels: width, kernel: 3, stride: 2, padding: 1)
            let fanIn = Float(shape.channels * 9)
            layers += [conv, ChannelBias(conv.output, initialLimit: 1 / fanIn.squareRoot()), ReLU(conv.output.count)]
            shape = conv.output
        }
        layers.append(Linear(shape.count, classes))
        return Network(layers: layers, rng: &rng)
    }

    public static func problem(_ spec: ModelSpec, withInput inputShape: [Int]) -> String? {
        inputShape.count == 3 ? nil : "cnn needs image inputs (channels x height x width)"
    }

    public static func problem(_ spec: ModelSpec, with variant: ModelVariant, tasks: Int) -> String? {
        switch variant {
        case .standard: return nil
        case .taskRoutedInput: return "multimodal's task-specific input layers need an MLP (model.kind: mlp), not cnn"
        case .hiddenDividedAmongTasks:
            guard let narrow = spec.list("channels").first(where: { $0 < tasks }) else { return nil }
            return
                "independent divides each convolution's channels among the \(tasks) tasks, but model.channels has \(narrow)"
        }
    }

    /// Each convolution's output three times (convolution, bias, ReLU), twice when training (their
    /// gradients), and the im2col buffer of the first convolution (9 values per output pixel).
    public static func activationsPerRow(_ spec: ModelSpec, inputWidth: Int, classes: Int, training: Bool) -> Double {
        var pixels = Double(inputWidth)
        var total = 0.0
        var patches = 0.0
        for (index, channels) in spec.list("channels").enumerated() {
            pixels /= 4
            total += Double(channels) * pixels
            if index == 0 { patches = 9 * pixels }
        }
        return (training ? 6 : 3) * total + patches + Double(classes)
    }
}
