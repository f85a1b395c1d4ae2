import Foundation
import TestSupport
import XCTest

@testable import Learning

/// The reduced ResNet18 as a whole: its size against the issue's count, per-segment batch norm
/// against one pass per segment, lanes against bits, and PyTorch's numbers (fixture).
final class ReducedResNetTests: XCTestCase {
    private func randomArray(_ n: Int, _ rng: inout RandomStream) -> [Float] {
        (0..<n).map { _ in 2 * rng.unitFloat() - 1 }
    }

    func testPaperSizeHasTheIssuesParameterCountAndShapes() throws {
        var rng = RandomStream(seed: 0)
        let net = try Network.reducedResNet18(channels: 3, height: 32, width: 32, classes: 100, nf: 20, rng: &rng)
        XCTAssertEqual(net.parameterCount, 1_109_240)
        XCTAssertEqual(net.inputWidth, 3072)
        XCTAssertEqual(net.outputWidth, 100)
        // 20 batch norms (stem, 2 per block, 3 shortcuts) × mean and variance
        XCTAssertEqual(net.stateLayout.count, 2 * (1 + 16 + 3))
        let mnist = try Network.reducedResNet18(channels: 1, height: 28, width: 28, classes: 10, nf: 20, rng: &rng)
        XCTAssertEqual((mnist.layers[10] as? ResidualBlock)?.output, ImageShape(channels: 160, height: 4, width: 4))
        XCTAssertEqual((mnist.layers[5] as? ResidualBlock)?.output, ImageShape(channels: 40, height: 14, width: 14))
        XCTAssertEqual((mnist.layers[7] as? ResidualBlock)?.output, ImageShape(channels: 80, height: 7, width: 7))
        XCTAssertThrowsError(try Network.reducedResNet18(channels: 3, height: 36, width: 36, classes: 10, rng: &rng)) {
            XCTAssertTrue("\($0)".contains("5x5 final map"), "\($0)")
        }
    }

    func testProductFLOPsCountEveryConvolutionByHand() throws {
        // nf 1 on 1x32x32: stem 1→1 at 32²; stage widths 1, 2, 4, 8 at 32², 16², 8², 4².
        var rng = RandomStream(seed: 0)
        let net = try Network.reducedResNet18(channels: 1, height: 32, width: 32, classes: 3, nf: 1, rng: &rng)
        var macs = 9 * 1 * 1 * 1024  // stem
        macs += 4 * 9 * 1 * 1 * 1024  // stage 1: four 1→1 convolutions
        var (width, pixels) = (1, 1024)
        for _ in 0..<3 {
            let next = 2 * width
            pixels /= 4
            macs += 9 * width * next * pixels  // first conv, stride 2
            macs += 3 * 9 * next * next * pixels  // the other three
            macs += width * next * pixels  // 1x1 shortcut
            width = next
        }
        let linear = 8 * 3
        let flops = net.productFLOPsPerImage
        XCTAssertEqual(flops.forward, 2 * (macs + linear))
        XCTAssertEqual(flops.backward, 2 * (2 * (macs + linear) - 9 * 1024))  // no input gradient of the stem
    }

    /// A small net with every kind of layer: conv, BN, ReLU, a shortcut block, an identity block, pool, linear.
    private func smallNet(_ rng: inout RandomStream) -> Network {
        let image = ImageShape(channels: 2, height: 6, width: 6)
        let stem = Conv2D(image, outChannels: 3, kernel: 3, stride: 1, padding: 1)
        let down = ResidualBlock(stem.output, outChannels: 4, stride: 2)
        let same = ResidualBlock(down.output, outChannels: 4, stride: 1)
        return Network(
            layers: [
                stem, BatchNorm(stem.output), ReLU(stem.outputWidth), down, same,
                GlobalAveragePool(same.output), Linear(4, 3),
            ], rng: &rng)
    }

    private func lossGradient(_ logits: UnsafePointer<Float>, rows: Int, classes: Int, labels: [Int32]) -> [Float] {
        var g = [Float](repeating: 0, count: rows * classes)
        _ = SoftmaxCrossEntropy.lossAndGradient(
            logits: logits, labels: labels, rows: rows, classes: classes,
            scale: 1, gradient: &g)
        return g
    }

    func testSegmentedBatchEqualsOnePassPerSegment() {
        var rng = RandomStream(seed: 8)
        let batched = smallNet(&rng)
        let single = smallNet(&rng)
        single.parameters.copy(from: batched.parameters)
        let segments = [0..<3, 3..<8, 8..<10]
        let rows = 10
        let classes = 3
        let x = randomArray(rows * batched.inputWidth, &rng)
        let labels: [Int32] = (0..<rows).map { Int32($0 % classes) }
        let p = batched.parameterCount
        var split = [Float](repeating: 0, count: segments.count * p)

        batched.setBatchSegments(segments)
        let logits = Array(UnsafeBufferPointer(start: batched.forward(x, rows: rows), count: rows * classes))
        let dy = lossGradient(logits, rows: rows, classes: classes, labels: labels)
        split.withUnsafeMutableBufferPointer { sb in
            batched.backward(
                dy,
                targets: segments.enumerated().map {
                    GradientTarget(rows: $0.element, gradient: sb.baseAddress! + $0.offset * p)
                })
        }
        for (k, segment) in segments.enumerated() {
            let xs = Array(x[(segment.lowerBound * single.inputWidth)..<(segment.upperBound * single.inputWidth)])
            let ys = single.forward(xs, rows: segment.count)
            for i in 0..<(segment.count * classes) {
                XCTAssertEqual(ys[i], logits[segment.lowerBound * classes + i], accuracy: 1e-5)
            }
            let dys = lossGradient(ys, rows: segment.count, classes: classes, labels: Array(labels[segment]))
            single.gradients.fill(0)
            single.backward(dys)
            for i in 0..<p {
                let expected = single.gradients[i]
                XCTAssertEqual(
                    split[k * p + i], expected, accuracy: 1e-5 * max(1, abs(expected)), "segment \(k), parameter \(i)")
            }
        }
        // running statistics moved once per segment, in order, like three separate passes
        for i in 0..<batched.state.count { XCTAssertEqual(batched.state[i], single.state[i], accuracy: 1e-6) }
        // without segments the whole batch is one: the statistics differ
        batched.setBatchSegments(nil)
        let whole = batched.forward(x, rows: rows)
        XCTAssertGreaterThan((0..<(rows * classes)).map { abs(whole[$0] - logits[$0]) }.max()!, 1e-3)
    }

    func testLanesDoNotChangeAnyBit() {
        func run(lanes: Int) -> (logits: [Float], gradients: [Float], state: [Float], input: [Float]) {
            var rng = RandomStream(seed: 9)
            let net = smallNet(&rng)
            net.setLanes(lanes)
            net.setBatchSegments([0..<5, 5..<11])
            let rows = 11
            let x = randomArray(rows * net.inputWidth, &rng)
            let logits = Array(UnsafeBufferPointer(start: net.forward(x, rows: rows), count: rows * 3))
            let dy = randomArray(rows * 3, &rng)
            var dx = [Float](repeating: 0, count: x.count)
            net.backward(
                dy,
                targets: [
                    GradientTarget(rows: 0..<5, gradient: net.gradients.pointer),
                    GradientTarget(rows: 5..<11, gradient: net.gradients.pointer),
                ],
                inputGradient: &dx)
            return (logits, net.gradients.array, net.state.array, dx)
        }
        let one = run(lanes: 1)
        let two = run(lanes: 2)
        let three = run(lanes: 3)
        for other in [two, three] {
            XCTAssertEqual(one.logits, other.logits)
            XCTAssertEqual(one.gradients, other.gradients)
            XCTAssertEqual(one.state, other.state)
            XCTAssertEqual(one.input, other.input)
        }
    }
}
