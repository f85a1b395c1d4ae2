import Benchmarks
import Data
import Learning
import XCTest

@testable import Evaluation

/// An MLP is evaluated over its test inputs' non-zeros (the images' pixels, read through each
/// task's permutation by reordering the first layer's weights): its accuracies must be those
/// of the network's predictions computed independently, in Double, from each row's floats as
/// a dense copy would hold them; and the same whatever the lanes.
final class SparseEvaluationTests: XCTestCase {
    func testSparseEvaluationOfPermutedImagesMatchesADenseDoubleForwardOnAnyLanes() {
        var rng = RandomStream(seed: 5)
        let sets = permutedSets(count: 700, reversed: true, rng: &rng)
        let net = Network.mlp([width, 9, 7, 4], rng: &rng)
        let heads = OutputHeads(classCount: 4, classesPerTask: [[0, 1], [2, 3], [0, 1, 2, 3]])
        for heads in [nil, heads] {
            let expected = sets.map { referenceAccuracy(net, $0, heads: heads) }
            for lanes in [1, 2, 3] {
                let evaluator = AccuracyEvaluator(batchSize: 64, lanes: lanes)
                XCTAssertEqual(evaluator.accuracies(of: net, on: sets, heads: heads), expected, "lanes \(lanes)")
            }
        }
    }

    /// The multimodal model (a task-routed input layer) takes the same path: each test set's rows
    /// meet their own task's input layer.
    func testMultimodalEvaluationUsesEachTasksInputLayer() {
        var rng = RandomStream(seed: 6)
        let sets = permutedSets(count: 500, reversed: false, rng: &rng)
        let net = Network.multimodal([width, 9, 7, 4], tasks: 3, rng: &rng)
        let expected = sets.map { referenceAccuracy(net, $0, heads: nil) }
        // the test can tell: task 0's input layer on the other sets gives other accuracies
        XCTAssertNotEqual(
            sets.dropFirst().map { referenceAccuracy(net, $0, heads: nil, inputTask: 0) },
            Array(expected.dropFirst()))
        for lanes in [1, 2] {
            XCTAssertEqual(
                AccuracyEvaluator(batchSize: 64, lanes: lanes).accuracies(of: net, on: sets), expected,
                "lanes \(lanes)")
        }
    }

    private let width = 25

    /// Three tasks over `count` random 5×5 8-bit images (about 70% zeros, labels 0..<4), the
    /// first unpermuted, the others each with its own pixel order.
    private func permutedSets(count: Int, reversed: Bool, rng: inout RandomStream) -> [TaskSamples] {
        let pixels = (0..<(count * width)).map { _ in rng.below(10) < 7 ? UInt8(0) : UInt8(1 + rng.below(255)) }
        let images = ImageSet(
            count: count, rows: 5, cols: 5, pixels: pixels,
            labels: (0..<count).map { _ in UInt8(rng.below(4)) })
        let rows = ImageRows(images, indices: reversed ? Array((0..<count).reversed()) : Array(0..<count))
        return (0..<3).map { t in
            TaskSamples(rows, task: t, permutation: t == 0 ? nil : rng.permutation(width).map(Int32.init))
        }
    }

    /// Logits in Double from each row's floats (`copyRow`), argmax within the row's head; a
    /// task-routed input layer takes the row's task's parameters (or `inputTask`'s).
    private func referenceAccuracy(
        _ net: Network, _ data: TaskSamples, heads: OutputHeads?,
        inputTask: Int? = nil
    ) -> Double {
        var correct = 0
        var row = [Float](repeating: 0, count: data.width)
        for r in 0..<data.count {
            row.withUnsafeMutableBufferPointer { data.copyRow(r, into: $0.baseAddress!) }
            var x = row.map(Double.init)
            let layers = net.layers.compactMap { layer -> (offset: Int, inputs: Int, outputs: Int)? in
                if let linear = layer as? Linear { return (linear.offset, linear.inputWidth, linear.outputWidth) }
                if let routed = layer as? TaskRoutedLinear {
                    return (
                        routed.offset(ofTask: inputTask ?? Int(data.tasks[r])), routed.inputWidth, routed.outputWidth
                    )
                }
                return nil
            }
            for (l, layer) in layers.enumerated() {
                let w = net.parameters.pointer + layer.offset
                x = (0..<layer.outputs).map { j in
                    var sum = Double(w[layer.inputs * layer.outputs + j])
                    for i in 0..<layer.inputs { sum += Double(w[j * layer.inputs + i]) * x[i] }
                    return l < layers.count - 1 ? max(sum, 0) : sum
                }
            }
            let task = Int(data.tasks[r])
            let allowed = (0..<x.count).filter { heads?.isAllowed(task: task, class: $0) ?? true }
            let best = allowed.max { x[$0] < x[$1] }!
            if best == Int(data.labels[r]) { correct += 1 }
        }
        return Double(correct) / Double(data.count)
    }
}
