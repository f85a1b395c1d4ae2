import Foundation
import TestSupport
import XCTest

@testable import Learning

/// The reduced ResNet18 against PyTorch: Tests/Fixtures/resnet-pytorch.json, written by
/// scripts/make_resnet_fixture.py (torch.nn, CPU, one thread) from weights and inputs that
/// both sides compute from the same integer hash. Our flat layout is torch's named_parameters
/// order, one to one (layer0 = conv1, layer1 = bn1, layer3…10 = blocks.0…7, layer12 = linear),
/// and our state layout is its BatchNorm buffers (running_mean, running_var) in module order.
final class ResNetPyTorchFixtureTests: XCTestCase {
    private struct Case: Decodable {
        var name: String
        var channels: Int, height: Int, width: Int, classes: Int, nf: Int, batch: Int
        var parameterCount: Int
        var parameters: [Parameter]
        var loss: Double
        var logits: String, gradients: String, runningStatistics: String, evalLogitsAfterStep: String
    }

    private struct Parameter: Decodable {
        var name: String
        var shape: [Int]
        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            name = try pair.decode(String.self)
            shape = try pair.decode([Int].self)
        }
    }

    private func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent("resnet-pytorch.json")
        struct File: Decodable { var cases: [Case] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    private func floats(_ base64: String) -> [Float] {
        let data = Data(base64Encoded: base64)!
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// The script's fixture_values: (2u − 1) · limit, u = ((i + salt) · 2654435761 mod 2³²) / 2³², in float64.
    private func values(_ count: Int, salt: Int, limit: Double) -> [Float] {
        (0..<count).map { i in
            let u = Double((UInt64(i + salt) &* 2_654_435_761) & 0xffff_ffff) / 4_294_967_296
            return Float((2 * u - 1) * limit)
        }
    }

    /// ‖a − b‖ / ‖b‖.
    private func relativeError(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var diff = 0.0
        var norm = 0.0
        for (x, y) in zip(a, b) {
            diff += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    func testOneTrainStepMatchesPyTorch() throws {
        for fixture in try cases() {
            var rng = RandomStream(seed: 0)
            let net = try Network.reducedResNet18(
                channels: fixture.channels, height: fixture.height, width: fixture.width,
                classes: fixture.classes, nf: fixture.nf, rng: &rng)
            net.setLanes(2)
            XCTAssertEqual(net.parameterCount, fixture.parameterCount, fixture.name)
            XCTAssertEqual(net.layout.map(\.shape), fixture.parameters.map(\.shape), fixture.name)
            for (block, torch) in zip(net.layout, fixture.parameters) {
                let limit: Double
                let shift: Float
                if block.shape.count > 1 {
                    (limit, shift) = (1 / Double(block.count / block.shape[0]).squareRoot(), 0)
                } else if torch.name.hasPrefix("linear") {
                    (limit, shift) = (0.1, 0)
                } else {
                    (limit, shift) = (0.2, torch.name.hasSuffix("weight") ? 1 : 0)
                }
                let v = values(block.count, salt: block.offset, limit: limit)
                for i in 0..<block.count { net.parameters[block.offset + i] = v[i] + shift }
            }
            let rows = fixture.batch
            let x = values(rows * net.inputWidth, salt: 7, limit: 1)
            let labels = (0..<rows).map { Int32($0 % fixture.classes) }
            let logits = Array(UnsafeBufferPointer(start: net.forward(x, rows: rows), count: rows * fixture.classes))
            var dLogits = [Float](repeating: 0, count: logits.count)
            let loss = SoftmaxCrossEntropy.lossAndGradient(
                logits: logits, labels: labels, rows: rows, classes: fixture.classes,
                scale: 1 / Float(rows), gradient: &dLogits)
            net.gradients.fill(0)
            net.backward(dLogits)

            // float32 on both sides, summed in different orders: agreement to ~1e-5 relative is float rounding
            XCTAssertLessThan(relativeError(logits[...], floats(fixture.logits)[...]), 1e-5, "\(fixture.name) logits")
            XCTAssertEqual(loss, fixture.loss, accuracy: 1e-5 * abs(fixture.loss), fixture.name)
            let torchGradients = floats(fixture.gradients)
            let gradients = net.gradients.array
            for (block, torch) in zip(net.layout, fixture.parameters) {
                let range = block.offset..<(block.offset + block.count)
                XCTAssertLessThan(
                    relativeError(gradients[range], torchGradients[range]), 1e-4,
                    "\(fixture.name): \(block.name) = torch \(torch.name)")
            }
            XCTAssertLessThan(
                relativeError(net.state.array[...], floats(fixture.runningStatistics)[...]), 1e-6,
                "\(fixture.name) running statistics")

            SGD(learningRate: 0.1).step(net)
            net.mode = .eval
            let evalLogits = Array(
                UnsafeBufferPointer(start: net.forward(x, rows: rows), count: rows * fixture.classes))
            XCTAssertLessThan(
                relativeError(evalLogits[...], floats(fixture.evalLogitsAfterStep)[...]), 1e-4,
                "\(fixture.name) eval-mode logits after one SGD step")
        }
    }
}
