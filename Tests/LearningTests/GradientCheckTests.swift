import TestSupport
import XCTest

@testable import Learning

/// Every backward pass against central finite differences of the loss, computed in float64
/// from float32 forwards (loss = Σ c ⊙ y for a fixed random c, so dL/dy = c).
final class GradientCheckTests: XCTestCase {

    /// Checks dL/dx and dL/dθ of `network` where L = Σ c ⊙ logits.
    private func check(
        _ network: Network, input: [Float], rows: Int, tasks: [Int32]? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var rng = RandomStream(seed: 99)
        let c = randomArray(rows * network.outputWidth, &rng)
        var x = input
        func loss() -> Double {
            let y = x.withUnsafeBufferPointer { xb in
                (tasks ?? []).withUnsafeBufferPointer { tb in
                    network.forward(xb.baseAddress!, rows: rows, tasks: tasks == nil ? nil : tb.baseAddress!)
                }
            }
            var s = 0.0
            for i in 0..<c.count { s += Double(c[i]) * Double(y[i]) }
            return s
        }
        network.gradients.fill(0)
        _ = loss()
        c.withUnsafeBufferPointer { network.backward($0.baseAddress!) }
        let analytic = network.gradients.array.map(Double.init)

        let numeric = (0..<network.parameterCount).map { numericDerivative(network, $0, loss) }
        XCTAssertLessThan(relativeError(analytic, numeric), 1e-3, "parameter gradient", file: file, line: line)
    }

    func testLinearBackwardMatchesFiniteDifferences() {
        var rng = RandomStream(seed: 1)
        let net = Network(layers: [Linear(7, 5)], rng: &rng)
        for i in 0..<net.parameterCount where net.layout[1].offset <= i { net.parameters[i] = rng.unitFloat() }
        check(net, input: randomArray(4 * 7, &rng), rows: 4)
    }

    func testInputGradientOfLinearMatchesFiniteDifferences() {
        // dx = dy W, checked through a two-layer net whose first layer's input gradient
        // becomes the second layer's dy.
        var rng = RandomStream(seed: 2)
        let net = Network(layers: [Linear(6, 4), Linear(4, 3)], rng: &rng)
        check(net, input: randomArray(5 * 6, &rng), rows: 5)
    }

    func testReLUBackwardMatchesFiniteDifferencesAwayFromTheKink() {
        var rng = RandomStream(seed: 3)
        let net = Network(layers: [Linear(5, 8), ReLU(8), Linear(8, 3)], rng: &rng)
        // biases keep pre-activations at least 0.3 from zero, so ±h never crosses the kink
        let input = randomArray(3 * 5, &rng, scale: 0.05)
        for j in 0..<8 { net.parameters[net.layout[1].offset + j] = j % 2 == 0 ? 0.5 : -0.5 }
        check(net, input: input, rows: 3)
    }

    func testTaskRoutedInputLayerMatchesFiniteDifferencesAndRoutesRows() {
        var rng = RandomStream(seed: 6)
        let net = Network(layers: [TaskRoutedLinear(4, 3, tasks: 3), Linear(3, 2)], rng: &rng)
        let tasks: [Int32] = [2, 2, 0, 2, 1]
        check(net, input: randomArray(5 * 4, &rng), rows: 5, tasks: tasks)
        // a row of task 0 does not depend on task 2's input weights
        let x = randomArray(4, &rng)
        let before = net.forward(x, rows: 1, tasks: [0])[0]
        let task2Weight = net.layout.first { $0.name == "layer0.task2.weight" }!.offset
        net.parameters[task2Weight] += 5
        XCTAssertEqual(net.forward(x, rows: 1, tasks: [0])[0], before)
        XCTAssertNotEqual(net.forward(x, rows: 1, tasks: [2])[0], before)
    }

    func testWholeMLPLossGradientMatchesFiniteDifferences() {
        // Softmax cross-entropy through 20-16-12-4; the loss itself is differentiated here.
        var rng = RandomStream(seed: 4)
        let net = Network.mlp([20, 16, 12, 4], rng: &rng)
        let rows = 6
        let x = randomArray(rows * 20, &rng)
        let labels: [Int32] = (0..<rows).map { Int32($0 % 4) }
        var gradient = [Float](repeating: 0, count: rows * 4)
        func loss() -> Double {
            let logits = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, rows: rows) }
            return labels.withUnsafeBufferPointer { lb in
                gradient.withUnsafeMutableBufferPointer { gb in
                    SoftmaxCrossEntropy.lossAndGradient(
                        logits: logits, labels: lb.baseAddress!, rows: rows,
                        classes: 4, scale: 1 / Float(rows), gradient: gb.baseAddress!)
                }
            }
        }
        net.gradients.fill(0)
        _ = loss()
        gradient.withUnsafeBufferPointer { net.backward($0.baseAddress!) }
        let analytic = net.gradients.array.map(Double.init)
        // which ReLUs are on, after a forward at the current parameters
        func pattern() -> [Bool] {
            _ = loss()
            return [1, 3].flatMap { net.output(ofLayer: $0, rows: rows).map { $0 > 0 } }
        }
        let (numeric, kinks) = numericGradient(net, analytic: analytic, loss: loss, pattern: pattern)
        XCTAssertLessThan(kinks, net.parameterCount / 20, "too many kinks to trust the check")
        XCTAssertLessThan(relativeError(analytic, numeric), 1e-3)
    }

    func testMaskedSoftmaxGradientMatchesFiniteDifferencesAndIgnoresOtherHeads() {
        let heads = OutputHeads(classCount: 4, classesPerTask: [[0, 1], [2, 3]])
        let logits: [Float] = [
            0.3, -1.2, 5.0, 2.0,  // row 1, task 0
            7.0, 0.1, 0.4, -0.6,  // row 2, task 1
        ]
        let labels: [Int32] = [1, 2]
        let tasks: [Int32] = [0, 1]
        var gradient = [Float](repeating: 0, count: 8)
        func loss(_ z: [Float]) -> Double {
            var scratch = [Float](repeating: 0, count: 8)
            return SoftmaxCrossEntropy.lossAndGradient(
                logits: z, labels: labels, rows: 2, classes: 4,
                tasks: tasks, heads: heads, gradient: &scratch)
        }
        let l = SoftmaxCrossEntropy.lossAndGradient(
            logits: logits, labels: labels, rows: 2, classes: 4,
            tasks: tasks, heads: heads, gradient: &gradient)
        // hand computation: row 1 over {0.3, -1.2}, label 1: log(1 + e^{1.5}) ; row 2 over {0.4, -0.6}, label 2: log(1 + e^{-1})
        XCTAssertEqual(l, log(1 + exp(1.5)) + log(1 + exp(-1.0)), accuracy: 1e-5)
        XCTAssertEqual(gradient[2], 0)
        XCTAssertEqual(gradient[3], 0)
        XCTAssertEqual(gradient[4], 0)
        XCTAssertEqual(gradient[5], 0)
        for i in [0, 1, 6, 7] {
            let numeric = centralDifference(h: 1e-2) { d in
                var moved = logits
                moved[i] += Float(d)
                return loss(moved)
            }
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-4)
        }
    }

    func testGradientTargetsSplitRowsIntoSeparateVectors() {
        // Two targets over a batch give exactly the gradients of two separate backward passes.
        var rng = RandomStream(seed: 5)
        let net = Network.mlp([6, 5, 3], rng: &rng)
        let x = randomArray(7 * 6, &rng)
        let dy = randomArray(7 * 3, &rng)
        var split = [Float](repeating: 0, count: 2 * net.parameterCount)
        x.withUnsafeBufferPointer { xb in
            _ = net.forward(xb.baseAddress!, rows: 7)
            split.withUnsafeMutableBufferPointer { sb in
                dy.withUnsafeBufferPointer {
                    net.backward(
                        $0.baseAddress!,
                        targets: [
                            GradientTarget(rows: 0..<3, gradient: sb.baseAddress!),
                            GradientTarget(rows: 3..<7, gradient: sb.baseAddress! + net.parameterCount),
                        ])
                }
            }
        }
        for (k, range) in [0..<3, 3..<7].enumerated() {
            net.gradients.fill(0)
            let xs = Array(x[(range.lowerBound * 6)..<(range.upperBound * 6)])
            let dys = Array(dy[(range.lowerBound * 3)..<(range.upperBound * 3)])
            xs.withUnsafeBufferPointer { _ = net.forward($0.baseAddress!, rows: range.count) }
            dys.withUnsafeBufferPointer { net.backward($0.baseAddress!) }
            let separate = net.gradients.array
            let batched = Array(split[(k * net.parameterCount)..<((k + 1) * net.parameterCount)])
            for i in 0..<separate.count {
                XCTAssertEqual(batched[i], separate[i], accuracy: 1e-5 * max(1, abs(separate[i])))
            }
        }
    }
}
