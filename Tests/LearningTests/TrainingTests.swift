import XCTest

@testable import Learning

final class TrainingTests: XCTestCase {
    /// Four Gaussian-free quadrant classes of a noisy XOR in 2-D: not linearly separable,
    /// so a linear model stays near 50% while the MLP must pass 95% on held-out points.
    private func xorData(_ n: Int, _ rng: inout RandomStream) -> LabeledData {
        var data = LabeledData(width: 2)
        for _ in 0..<n {
            let a = 2 * rng.unitFloat() - 1
            let b = 2 * rng.unitFloat() - 1
            data.inputs += [a, b]
            data.labels.append((a > 0) != (b > 0) ? 1 : 0)
            data.tasks.append(0)
        }
        return data
    }

    func testMLPLearnsXORAbove95Percent() {
        var rng = RandomStream(seed: 7, purpose: "data")
        let train = xorData(2000, &rng)
        let test = xorData(1000, &rng)
        var initRNG = RandomStream(seed: 7, purpose: "init")
        let net = Network.mlp([2, 32, 32, 2], rng: &initRNG)
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        var gradient = [Float](repeating: 0, count: 20 * 2)
        for _ in 0..<30 {
            for start in stride(from: 0, to: train.count, by: 20) {
                net.gradients.fill(0)
                train.inputs.withUnsafeBufferPointer { xb in
                    train.labels.withUnsafeBufferPointer { lb in
                        let logits = net.forward(xb.baseAddress! + start * 2, rows: 20)
                        _ = SoftmaxCrossEntropy.lossAndGradient(
                            logits: logits, labels: lb.baseAddress! + start,
                            rows: 20, classes: 2, scale: 1 / 20, gradient: &gradient)
                    }
                }
                net.backward(gradient)
                sgd.step(net)
            }
        }
        var predictions = [Int32](repeating: -1, count: test.count)
        net.predict(test.inputs, rows: test.count, into: &predictions)
        let correct = zip(predictions, test.labels).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(correct) / Double(test.count), 0.95)
    }

    func testSGDStepIsParameterMinusLearningRateTimesGradient() {
        var rng = RandomStream(seed: 8)
        let net = Network.mlp([3, 2], rng: &rng)
        let before = net.parameters.array
        for i in 0..<net.parameterCount { net.gradients[i] = Float(i) - 3 }
        SGD(learningRate: 0.5).step(net)
        for i in 0..<net.parameterCount { XCTAssertEqual(net.parameters[i], before[i] - 0.5 * (Float(i) - 3)) }
    }

    func testMomentumAccumulatesVelocityLikePyTorch() {
        var rng = RandomStream(seed: 9)
        let net = Network.mlp([1, 1], rng: &rng)
        net.parameters[0] = 1
        net.parameters[1] = 0
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        net.gradients[0] = 1
        net.gradients[1] = 0
        sgd.step(net)  // v = 1, p = 0.9
        sgd.step(net)  // v = 1.9, p = 0.71
        XCTAssertEqual(net.parameters[0], 0.71, accuracy: 1e-6)
    }

    func testXavierUniformRespectsItsBoundAndZeroesBiases() {
        var rng = RandomStream(seed: 10)
        let net = Network.mlp([784, 100, 10], rng: &rng)
        let limit = (6.0 / 884.0).squareRoot()
        let w = net.parameters.array[0..<78400]
        XCTAssertLessThanOrEqual(w.map { abs(Double($0)) }.max()!, limit)
        // uniform on ±limit has variance limit²/3
        let variance = w.map { Double($0) * Double($0) }.reduce(0, +) / Double(w.count)
        XCTAssertEqual(variance, limit * limit / 3, accuracy: 0.02 * limit * limit)
        XCTAssertTrue(net.parameters.array[78400..<78500].allSatisfy { $0 == 0 })
        XCTAssertEqual(net.layout.map(\.name), ["layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias"])
    }
}

final class RandomStreamTests: XCTestCase {
    func testXoshiroMatchesTheReferenceSequenceForAKnownState() {
        // Reference: xoshiro256** with state s = {1, 2, 3, 4} gives 11520, 0, 1509978240, 1215971899390074240
        // (computed independently by a ten-line Python transcription of Vigna's reference C code).
        var r = RandomStream(rawState: (1, 2, 3, 4))
        XCTAssertEqual([r.next(), r.next(), r.next(), r.next()], [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
    }

    func testStreamsForDifferentPurposesDiffer() {
        var a = RandomStream(seed: 0, purpose: "data")
        var b = RandomStream(seed: 0, purpose: "init")
        XCTAssertNotEqual(a.next(), b.next())
        var c = RandomStream(seed: 0, purpose: "data")
        a = RandomStream(seed: 0, purpose: "data")
        XCTAssertEqual(a.next(), c.next())
    }

    func testBelowIsUniformAndSampleIsDistinct() {
        var r = RandomStream(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[r.below(7)] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 400) }  // > 4σ
        let s = r.sample(50, from: 60)
        XCTAssertEqual(Set(s).count, 50)
        XCTAssertEqual(s, s.sorted())
        XCTAssertEqual(r.permutation(100).sorted(), Array(0..<100))
    }
}
