import Data
import Learning
import XCTest

@testable import Benchmarks

/// A tiny synthetic dataset: 3×3 images whose pixel p of image i is (7i + p) mod 256.
private func tinyDataset(count: Int = 12) -> LoadedDataset {
    func images(_ n: Int) -> ImageSet {
        let pixels: [UInt8] = (0..<(n * 9)).map { k in
            let image = k / 9
            let pixel = k % 9
            return UInt8((image * 7 + pixel) % 256)
        }
        return ImageSet(count: n, rows: 3, cols: 3, pixels: pixels, labels: (0..<n).map { UInt8($0 % 10) })
    }
    return LoadedDataset(
        name: .mnist, train: images(count), test: images(count / 2), checksums: [:], directory: "/synthetic")
}

final class PermutedBenchmarkTests: XCTestCase {
    func testEachTaskAppliesOnePermutationToTrainAndTestAlike() {
        let source = tinyDataset()
        let stream = PermutedBenchmark.make(source, tasks: 3, samplesPerTask: 5, seed: 11)
        XCTAssertEqual(stream.tasks.count, 3)
        XCTAssertEqual(stream.scenario, .domainIncremental)
        XCTAssertNil(stream.heads)
        for task in stream.tasks {
            let p = task.permutation!.map(Int.init)
            XCTAssertEqual(p.sorted(), Array(0..<9))
            XCTAssertEqual(task.train.count, 5)
            XCTAssertEqual(task.test.count, 6)
            XCTAssertTrue(task.train.tasks.allSatisfy { $0 == Int32(task.index) })
            // test row r is test image r with pixel i taken from pixel p[i]
            for r in 0..<6 {
                for i in 0..<9 {
                    XCTAssertEqual(
                        task.test.materialized.inputs[r * 9 + i], Float(source.test.pixels[r * 9 + p[i]]) / 255)
                }
            }
        }
        XCTAssertNotEqual(stream.tasks[0].permutation, stream.tasks[1].permutation)
    }

    func testSameSeedGivesTheSameTasksBitForBitAndAnotherSeedDoesNot() {
        let source = tinyDataset()
        let a = PermutedBenchmark.make(source, tasks: 2, samplesPerTask: 4, seed: 3)
        let b = PermutedBenchmark.make(source, tasks: 2, samplesPerTask: 4, seed: 3)
        let c = PermutedBenchmark.make(source, tasks: 2, samplesPerTask: 4, seed: 4)
        for t in 0..<2 {
            XCTAssertEqual(a.tasks[t].train.materialized.inputs, b.tasks[t].train.materialized.inputs)
            XCTAssertEqual(a.tasks[t].train.labels, b.tasks[t].train.labels)
            XCTAssertEqual(a.tasks[t].permutation, b.tasks[t].permutation)
        }
        XCTAssertNotEqual(a.tasks[0].permutation, c.tasks[0].permutation)
    }

    func testSamplesPerTaskAreDistinctTrainingImages() {
        let stream = PermutedBenchmark.make(tinyDataset(count: 40), tasks: 1, samplesPerTask: 40, seed: 0)
        // all 40 images drawn once: the labels are a rearrangement of 0..9 four times
        XCTAssertEqual(stream.tasks[0].train.labels.sorted(), (0..<40).map { Int32($0 % 10) }.sorted())
    }
}

final class RotatedBenchmarkTests: XCTestCase {
    func testAnglesAreSeededAndDrawnFromTheGEMPaperRanges() {
        let stream = RotatedBenchmark.make(tinyDataset(), tasks: 20, samplesPerTask: 2, seed: 5)
        for task in stream.tasks {
            XCTAssertGreaterThanOrEqual(task.angle!, 9 * Double(task.index))
            XCTAssertLessThan(task.angle!, 9 * Double(task.index + 1))
        }
        let again = RotatedBenchmark.make(tinyDataset(), tasks: 20, samplesPerTask: 2, seed: 5)
        XCTAssertEqual(stream.tasks.map(\.angle), again.tasks.map(\.angle))
    }

    func testPinnedAnglesAreUsedAsGiven() {
        let stream = RotatedBenchmark.make(tinyDataset(), tasks: 2, samplesPerTask: 2, angles: [12.5, 80], seed: 5)
        XCTAssertEqual(stream.tasks.map(\.angle), [12.5, 80])
    }

    func testNinetyDegreesTurnsTheImageCounterClockwiseExactly() {
        // 3×3 image 1..9 row-major; a quarter turn counter-clockwise on screen:
        // 1 2 3      3 6 9
        // 4 5 6  ->  2 5 8
        // 7 8 9      1 4 7
        let rotate = RotatedBenchmark.rotation(degrees: 90, rows: 3, cols: 3)
        let image: [Float] = (1...9).map(Float.init)
        var out = [Float](repeating: 0, count: 9)
        image.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { rotate(i, $0) } }
        let expected: [Float] = [3, 6, 9, 2, 5, 8, 1, 4, 7]
        for k in 0..<9 { XCTAssertEqual(out[k], expected[k], accuracy: 1e-5) }
    }

    func testZeroDegreesIsTheIdentityAndHalfTurnsInterpolate() {
        let image: [Float] = (1...9).map(Float.init)
        var out = [Float](repeating: 0, count: 9)
        let identity = RotatedBenchmark.rotation(degrees: 0, rows: 3, cols: 3)
        image.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { identity(i, $0) } }
        XCTAssertEqual(out, image)
        // the centre pixel stays put under any rotation about the centre
        let turn = RotatedBenchmark.rotation(degrees: 37, rows: 3, cols: 3)
        image.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { turn(i, $0) } }
        XCTAssertEqual(out[4], 5, accuracy: 1e-5)
    }
}

final class SplitBenchmarkTests: XCTestCase {
    func testSplitMNISTTasksHoldEverySampleOfTheirClassPair() throws {
        let mnist = try loadDataset(.mnist)
        let stream = SplitBenchmark.make(mnist, scenario: .taskIncremental, seed: 0)
        // class counts of MNIST (computed with numpy.bincount over the label files):
        // train 5923 6742 5958 6131 5842 5421 5918 6265 5851 5949; test 980 1135 1032 1010 982 892 958 1028 974 1009
        let train = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        let test = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        XCTAssertEqual(stream.name, "split-mnist-task-il")
        for t in 0..<5 {
            let task = stream.tasks[t]
            XCTAssertEqual(task.classes, [2 * t, 2 * t + 1])
            XCTAssertEqual(task.train.count, train[2 * t] + train[2 * t + 1])
            XCTAssertEqual(task.test.count, test[2 * t] + test[2 * t + 1])
            XCTAssertTrue(task.train.labels.allSatisfy { task.classes.contains(Int($0)) })
        }
        let heads = try XCTUnwrap(stream.heads)
        XCTAssertEqual(heads.classes(ofTask: 3), [6, 7])
        // pixels are scaled to [0, 1]: training image 0 (a 5, in task 2) sums to 27525 / 255
        let classIL = SplitBenchmark.make(mnist, scenario: .classIncremental, seed: 0)
        XCTAssertNil(classIL.heads)
        let first = classIL.tasks[2].train.materialized.inputs[0..<784].reduce(0, +)
        XCTAssertEqual(Double(first), 27525.0 / 255, accuracy: 1e-3)
    }

    func testCustomClassOrderDealsClassesInThatOrder() {
        let stream = SplitBenchmark.make(
            tinyDataset(count: 40), scenario: .taskIncremental, tasks: 5,
            classOrder: [9, 3, 0, 5, 1, 2, 4, 6, 7, 8], seed: 0)
        XCTAssertEqual(stream.tasks.map(\.classes), [[3, 9], [0, 5], [1, 2], [4, 6], [7, 8]])
        XCTAssertEqual(stream.tasks[0].train.count, 8)  // 4 images each of classes 3 and 9
    }

    // Before the fix, 2 tasks trained on classes 0-3 only and 10 tasks trapped on a precondition.
    func testTwoAndTenTasksShareEveryClassEvenly() {
        let two = SplitBenchmark.make(tinyDataset(count: 40), scenario: .classIncremental, tasks: 2, seed: 0)
        XCTAssertEqual(two.tasks.map(\.classes), [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
        XCTAssertEqual(two.tasks.map(\.train.count), [20, 20])
        XCTAssertEqual(Set(two.tasks[1].train.labels), [5, 6, 7, 8, 9])
        XCTAssertEqual(two.tasks.map(\.test.count), [10, 10])
        let ten = SplitBenchmark.make(
            tinyDataset(count: 40), scenario: .taskIncremental, tasks: 10,
            classOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], seed: 0)
        XCTAssertEqual(ten.tasks.map(\.classes), (0..<10).map { [9 - $0] })
        XCTAssertEqual(ten.tasks.map(\.train.count), [Int](repeating: 4, count: 10))
        XCTAssertTrue(ten.tasks.allSatisfy { task in task.train.labels.allSatisfy { Int($0) == task.classes[0] } })
        XCTAssertEqual(ten.heads?.isAllowed(task: 3, class: 6), true)
        XCTAssertEqual(ten.heads?.isAllowed(task: 3, class: 5), false)
    }
}

final class CIFARBenchmarkTests: XCTestCase {
    /// A CIFAR-shaped set in memory: 3×4×4 images, `perClass` of each of `classes` classes,
    /// pixel p of image i = (i + 3p) mod 256, labels i mod classes.
    private func cifarLike(_ name: DatasetName, perClass: Int) -> LoadedDataset {
        let classes = name.classCount
        func images(_ n: Int) -> ImageSet {
            let pixels: [UInt8] = (0..<(n * 48)).map { (k: Int) -> UInt8 in UInt8((k / 48 + 3 * (k % 48)) % 256) }
            let labels: [UInt8] = (0..<n).map { (i: Int) -> UInt8 in UInt8(i % classes) }
            return ImageSet(count: n, rows: 4, cols: 4, channels: 3, pixels: pixels, labels: labels)
        }
        return LoadedDataset(
            name: name, train: images(classes * perClass), test: images(classes * perClass / 2),
            checksums: [:], directory: "/synthetic")
    }

    /// Split CIFAR-100 as the GEM reference code deals it: task t holds fine labels 5t ... 5t+4.
    func testSplitCIFAR100DealsFiveClassesPerTaskInLabelOrder() throws {
        let stream = SplitBenchmark.make(
            cifarLike(.cifar100, perClass: 4), scenario: .taskIncremental, tasks: 20, seed: 0)
        XCTAssertEqual(stream.tasks.count, 20)
        XCTAssertEqual(stream.inputShape, [3, 4, 4])
        XCTAssertEqual(stream.classCount, 100)
        for (t, task) in stream.tasks.enumerated() {
            XCTAssertEqual(task.classes, Array((5 * t)..<(5 * t + 5)))
            XCTAssertEqual(task.train.count, 20)
            XCTAssertEqual(task.test.count, 10)
            XCTAssertTrue(task.train.labels.allSatisfy { task.classes.contains(Int($0)) })
        }
        let heads = try XCTUnwrap(stream.heads)
        XCTAssertEqual(heads.classes(ofTask: 7), [35, 36, 37, 38, 39])
        // channel-major rows scaled to [0, 1]: image 0's pixel p is 3p / 255
        let first = stream.tasks[0].train.materialized
        let expected: [Float] = (0..<48).map { (p: Int) -> Float in Float((3 * p) % 256) }
        XCTAssertEqual(first.inputs[0..<48].map { ($0 * 255).rounded() }, expected)
        let again = SplitBenchmark.make(
            cifarLike(.cifar100, perClass: 4), scenario: .taskIncremental, tasks: 20, seed: 0)
        XCTAssertEqual(again.tasks.map(\.train.materialized.inputs), stream.tasks.map(\.train.materialized.inputs))
    }

    func testSplitCIFAR10InFivePairsAndRotationPerChannel() {
        let stream = SplitBenchmark.make(
            cifarLike(.cifar10, perClass: 6), scenario: .classIncremental, tasks: 5, seed: 1)
        XCTAssertEqual(stream.tasks.map(\.classes), [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])
        XCTAssertNil(stream.heads)
        // a half turn maps each 4×4 plane onto itself reversed, channel by channel
        let rotated = RotatedBenchmark.make(
            cifarLike(.cifar10, perClass: 1), tasks: 1, samplesPerTask: nil,
            angles: [180], seed: 0)
        let original = SplitBenchmark.make(
            cifarLike(.cifar10, perClass: 1), scenario: .classIncremental, tasks: 10, seed: 0)
        let image = original.tasks[0].test.materialized.inputs[0..<48]
        let turned = rotated.tasks[0].test.materialized.inputs[0..<48]
        for c in 0..<3 {
            for p in 0..<16 {
                XCTAssertEqual(turned[c * 16 + p], image[image.startIndex + c * 16 + 15 - p], accuracy: 1e-6)
            }
        }
    }
}

final class TaskSamplesTests: XCTestCase {
    /// Samples kept as non-zeros give back every row exactly, and their non-zeros are those rows'.
    func testNonZeroSamplesGiveBackTheirFloats() {
        var rng = RandomStream(seed: 9)
        let width = 7
        let rows = 30
        let inputs = (0..<(rows * width)).map { _ in rng.below(3) == 0 ? Float(rng.unitFloat()) : 0 }
        let data = LabeledData(
            inputs: inputs, labels: (0..<rows).map { Int32($0 % 4) },
            tasks: [Int32](repeating: 2, count: rows), width: width)
        let samples = TaskSamples(nonZerosOf: data)
        XCTAssertEqual(samples.materialized.inputs, inputs)
        XCTAssertEqual(
            samples.rows([4, 0, 29]).inputs,
            Array(inputs[28..<35]) + Array(inputs[0..<7]) + Array(inputs[203..<210]))
        XCTAssertEqual(samples.labels, data.labels)
        XCTAssertEqual(samples.tasks, data.tasks)
        let (sparse, map) = samples.sparse
        XCTAssertNil(map)
        XCTAssertEqual(sparse.density, Double(inputs.filter { $0 != 0 }.count) / Double(inputs.count))
    }
}
