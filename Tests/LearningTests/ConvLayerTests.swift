import TestSupport
import XCTest

@testable import Learning

/// Convolution, batch norm, pooling and residual blocks against independent truths: direct
/// sums written out in the test, hand-computed statistics, and central finite differences of
/// L = Σ c ⊙ y (in float64 from float32 forwards) for every parameter and every input.
final class ConvLayerTests: XCTestCase {

    /// dL/dθ and dL/dx of `network` against finite differences, L = Σ c ⊙ logits. With
    /// `kinks`, coordinates where a ReLU switches within ±h are left out (at most 5% of them).
    private func checkGradients(
        _ network: Network, rows: Int, seed: UInt64, h: Float = 1e-2, kinks: Bool = false,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var rng = RandomStream(seed: seed)
        let x = FloatBuffer(randomArray(rows * network.inputWidth, &rng))
        let c = randomArray(rows * network.outputWidth, &rng)
        func loss() -> Double {
            let y = network.forward(x.pointer, rows: rows)
            return (0..<c.count).reduce(0.0) { $0 + Double(c[$1]) * Double(y[$1]) }
        }
        network.gradients.fill(0)
        _ = loss()
        var dx = [Float](repeating: 0, count: x.count)
        c.withUnsafeBufferPointer { cb in
            dx.withUnsafeMutableBufferPointer { db in
                network.backward(
                    cb.baseAddress!, targets: [GradientTarget(rows: 0..<rows, gradient: network.gradients.pointer)],
                    inputGradient: db.baseAddress!)
            }
        }
        func compare(_ analytic: [Double], _ values: UnsafeMutablePointer<Float>, _ what: String) {
            var skipped = 0
            let numeric = (0..<analytic.count).map { i in
                let (d, kink) = richardsonDerivative(values + i, h: h, loss)
                if kinks && kink {
                    skipped += 1
                    return analytic[i]
                }
                return d
            }
            XCTAssertLessThan(relativeError(analytic, numeric), 1e-3, what, file: file, line: line)
            XCTAssertLessThanOrEqual(
                skipped * 20, analytic.count, "\(what): too many kinks to trust", file: file, line: line)
        }
        compare(network.gradients.array.map(Double.init), network.parameters.pointer, "parameter gradient")
        compare(dx.map(Double.init), x.pointer, "input gradient")
    }

    func testConvolutionEqualsTheDirectSumWithStrideAndPadding() {
        // stride 2, and the "same" 3x3 convolution (stride 1, padding 1) that copies whole planes
        var rng = RandomStream(seed: 1)
        let shape = ImageShape(channels: 2, height: 5, width: 6)
        for (stride, expected) in [
            (2, ImageShape(channels: 3, height: 3, width: 3)), (1, ImageShape(channels: 3, height: 5, width: 6)),
        ] {
            let conv = Conv2D(shape, outChannels: 3, kernel: 3, stride: stride, padding: 1)
            XCTAssertEqual(conv.output, expected)
            let net = Network(layers: [conv], rng: &rng)
            let rows = 3
            let x = randomArray(rows * shape.count, &rng)
            let y = Array(UnsafeBufferPointer(start: net.forward(x, rows: rows), count: rows * conv.outputWidth))
            let w = net.parameters.array
            let (oh, ow) = (expected.height, expected.width)
            for r in 0..<rows {
                for o in 0..<3 {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var sum = 0.0
                            for i in 0..<2 {
                                for ky in 0..<3 {
                                    for kx in 0..<3 {
                                        let iy = stride * oy - 1 + ky
                                        let ix = stride * ox - 1 + kx
                                        guard (0..<5).contains(iy) && (0..<6).contains(ix) else { continue }
                                        sum +=
                                            Double(w[((o * 2 + i) * 3 + ky) * 3 + kx])
                                            * Double(x[r * 60 + (i * 5 + iy) * 6 + ix])
                                    }
                                }
                            }
                            XCTAssertEqual(
                                Double(y[r * conv.outputWidth + (o * oh + oy) * ow + ox]), sum, accuracy: 1e-5)
                        }
                    }
                }
            }
        }
    }

    func testConvolutionGradientsMatchFiniteDifferences() {
        var rng = RandomStream(seed: 2)
        let shape = ImageShape(channels: 2, height: 5, width: 4)
        for (kernel, stride, padding) in [(3, 1, 1), (3, 2, 1), (1, 2, 0), (2, 1, 0)] {
            let net = Network(
                layers: [Conv2D(shape, outChannels: 3, kernel: kernel, stride: stride, padding: padding)], rng: &rng)
            checkGradients(net, rows: 3, seed: 20)
        }
    }

    func testConvolutionGroupsManyImagesIntoOneProduct() {
        // 2x2 outputs: groups of 128 images; 130 rows make a full group and a partial one
        var rng = RandomStream(seed: 3)
        let conv = Conv2D(ImageShape(channels: 1, height: 3, width: 3), outChannels: 2, kernel: 2)
        XCTAssertEqual(conv.groupSize, 128)
        let net = Network(layers: [conv], rng: &rng)
        let rows = 130
        let x = randomArray(rows * 9, &rng)
        let all = Array(UnsafeBufferPointer(start: net.forward(x, rows: rows), count: rows * 8))
        for r in [0, 77, 127, 128, 129] {
            let one = net.forward(Array(x[(r * 9)..<(r * 9 + 9)]), rows: 1)
            for j in 0..<8 { XCTAssertEqual(all[r * 8 + j], one[j], accuracy: 1e-6) }
        }
    }

    func testBatchNormTrainModeMatchesHandComputedStatistics() {
        // 2 rows of 1 channel x 2 pixels: values 1, 2 | 3, 6 → mean 3, biased variance 3.5
        var rng = RandomStream(seed: 4)
        let norm = BatchNorm(ImageShape(channels: 1, height: 1, width: 2))
        let net = Network(layers: [norm], rng: &rng)
        let y = Array(UnsafeBufferPointer(start: net.forward([1, 2, 3, 6], rows: 2), count: 4))
        let sd = (3.5 + 1e-5).squareRoot()
        for (value, x) in zip(y, [1.0, 2, 3, 6]) { XCTAssertEqual(Double(value), (x - 3) / sd, accuracy: 1e-6) }
        // running: 0.9·0 + 0.1·3, and 0.9·1 + 0.1·(14/3) (unbiased variance)
        XCTAssertEqual(net.state[0], 0.3, accuracy: 1e-7)
        XCTAssertEqual(net.state[1], Float(0.9 + 0.1 * 14.0 / 3), accuracy: 1e-6)
        net.mode = .eval
        let evalY = net.forward([1, 2, 3, 6], rows: 2)
        XCTAssertEqual(Double(evalY[0]), (1 - 0.3) / Double(net.state[1] + 1e-5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(net.state[0], 0.3, "eval mode leaves the running statistics alone")
    }

    func testBatchNormGradientsMatchFiniteDifferencesInTrainAndEvalMode() {
        var rng = RandomStream(seed: 5)
        let shape = ImageShape(channels: 3, height: 2, width: 2)
        // conv first, so the check covers dL/dx of batch norm through the conv's weights too
        let net = Network(layers: [Conv2D(shape, outChannels: 3, kernel: 1), BatchNorm(shape)], rng: &rng)
        for i in net.layout[1].offset..<net.parameterCount { net.parameters[i] = 0.5 + rng.unitFloat() }
        checkGradients(net, rows: 4, seed: 50)
        net.mode = .eval
        for i in 0..<3 {
            net.state[i] = 0.2 * Float(i) - 0.1
            net.state[3 + i] = 0.5 + Float(i)
        }
        checkGradients(net, rows: 4, seed: 51)
    }

    func testGlobalAveragePoolAndItsGradient() {
        var rng = RandomStream(seed: 6)
        let shape = ImageShape(channels: 2, height: 2, width: 2)
        let net = Network(layers: [GlobalAveragePool(shape)], rng: &rng)
        let y = net.forward([1, 2, 3, 4, -4, 0, 0, 0], rows: 1)
        XCTAssertEqual([y[0], y[1]], [2.5, -1])
        checkGradients(
            Network(layers: [Conv2D(shape, outChannels: 2, kernel: 1), GlobalAveragePool(shape)], rng: &rng),
            rows: 3, seed: 60)
    }

    /// y = x + b[c] on every pixel of channel c, written out; its gradient by finite differences.
    func testChannelBiasAddsOneValuePerChannel() {
        let shape = ImageShape(channels: 2, height: 1, width: 3)
        var rng = RandomStream(seed: 80)
        let net = Network(layers: [ChannelBias(shape, initialLimit: 1)], rng: &rng)
        let b = [net.parameters[0], net.parameters[1]]
        XCTAssertTrue(b.allSatisfy { abs($0) <= 1 } && b[0] != b[1])
        let x: [Float] = [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]  // two rows of 2 channels × 3 pixels
        let y = Array(UnsafeBufferPointer(start: net.forward(x, rows: 2), count: 12))
        XCTAssertEqual(
            y,
            [
                1 + b[0], 2 + b[0], 3 + b[0], 4 + b[1], 5 + b[1], 6 + b[1],
                -1 + b[0], -2 + b[0], -3 + b[0], -4 + b[1], -5 + b[1], -6 + b[1],
            ])
        checkGradients(net, rows: 3, seed: 81)
    }

    /// The `cnn` model (two stride-2 convolutions with biases and ReLUs, then a linear layer):
    /// its shapes, parameter count by hand, and every gradient by finite differences.
    func testSmallCNNGradientsMatchFiniteDifferences() throws {
        var rng = RandomStream(seed: 82)
        let spec = ModelSpec(SmallCNN.self, ["channels": [3, 4]])
        let net = try spec.build(inputShape: [1, 8, 8], classes: 5, tasks: 1, rng: &rng)
        // conv 1→3 (27) + bias 3, 8x8 → 4x4; conv 3→4 (108) + bias 4, 4x4 → 2x2; linear 16→5 (85)
        XCTAssertEqual(net.parameterCount, 27 + 3 + 108 + 4 + 16 * 5 + 5)
        XCTAssertEqual(spec.parameterCount(inputShape: [1, 8, 8], classes: 5, tasks: 1), Double(net.parameterCount))
        XCTAssertEqual(net.outputWidth, 5)
        checkGradients(net, rows: 3, seed: 83, h: 2e-3, kinks: true)
        XCTAssertThrowsError(try spec.build(inputShape: [64], classes: 5, tasks: 1, rng: &rng))
    }

    func testResidualBlocksMatchFiniteDifferences() {
        // With the 1x1 shortcut (stride 2, 2 → 3 channels) and with the identity.
        var rng = RandomStream(seed: 7)
        let shape = ImageShape(channels: 2, height: 4, width: 4)
        let down = ResidualBlock(shape, outChannels: 3, stride: 2)
        XCTAssertNotNil(down.shortcut)
        XCTAssertEqual(down.output, ImageShape(channels: 3, height: 2, width: 2))
        XCTAssertEqual(
            down.parameterShapes.map(\.name),
            [
                "conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight",
                "bn2.weight", "bn2.bias", "shortcut.0.weight",
                "shortcut.1.weight", "shortcut.1.bias",
            ])
        checkGradients(Network(layers: [down], rng: &rng), rows: 3, seed: 70, h: 2e-3, kinks: true)
        // smaller, because every weight of the first convolution moves all 2·(rows·C·H·W) ReLU inputs
        let same = ResidualBlock(ImageShape(channels: 2, height: 3, width: 3), outChannels: 2, stride: 1)
        XCTAssertNil(same.shortcut)
        checkGradients(Network(layers: [same], rng: &rng), rows: 2, seed: 71, h: 1e-3, kinks: true)
    }
}
