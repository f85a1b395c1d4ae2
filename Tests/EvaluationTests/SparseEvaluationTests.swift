import XCTest
import Benchmarks
import Data
import Learning
@testable import Evaluation

/// An MLP is evaluated over its test inputs' non-zeros (the images' pixels, read through each
/// task's permutation by reordering the first layer's weights): its accuracies must be those
/// of the network's predictions computed independently, in Double, from each row's floats as
/// a dense copy would hold them; and the same whatever the lanes.
final class SparseEvaluationTests: XCTestCase {
    func testSparseEvaluationOfPermutedImagesMatchesADenseDoubleForwardOnAnyLanes() {
        var rng = RandomStream(seed: 5)
        let count = 700, width = 25
        // 8-bit images, about 70% zeros, labels 0..<4
        let pixels = (0..<(count * width)).map { _ in rng.below(10) < 7 ? UInt8(0) : UInt8(1 + rng.below(255)) }
        let images = ImageSet(count: count, rows: 5, cols: 5, pixels: pixels,
                              labels: (0..<count).map { _ in UInt8(rng.below(4)) })
        let rows = ImageRows(images, indices: Array((0..<count).reversed()))
        let sets = (0..<3).map { t in
            TaskSamples(rows, task: t, permutation: t == 0 ? nil : rng.permutation(width).map(Int32.init))
        }
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

    /// Logits in Double from each row's floats (`copyRow`), argmax within the row's head.
    private func referenceAccuracy(_ net: Network, _ data: TaskSamples, heads: OutputHeads?) -> Double {
        let linears = net.layers.compactMap { $0 as? Linear }
        var correct = 0
        var row = [Float](repeating: 0, count: data.width)
        for r in 0..<data.count {
            row.withUnsafeMutableBufferPointer { data.copyRow(r, into: $0.baseAddress!) }
            var x = row.map(Double.init)
            for (l, layer) in linears.enumerated() {
                let w = net.parameters.pointer + layer.offset
                x = (0..<layer.outputWidth).map { j in
                    var sum = Double(w[layer.inputWidth * layer.outputWidth + j])
                    for i in 0..<layer.inputWidth { sum += Double(w[j * layer.inputWidth + i]) * x[i] }
                    return l < linears.count - 1 ? max(sum, 0) : sum
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
