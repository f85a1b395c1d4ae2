import Data
import Foundation
import XCTest

/// The real datasets against facts computed independently with Python's gzip module:
///
///     import gzip, struct, collections
///     img = gzip.open(f"{d}/train-images-idx3-ubyte.gz").read(); px = img[16:]
///     lab = gzip.open(f"{d}/train-labels-idx1-ubyte.gz").read(); lb = lab[8:]
///     struct.unpack(">IIII", img[:16])              # magic, count, rows, cols
///     list(lb[:10]); sum(px[:784]); sum(px[-784:]); px[14*28+14]
///     collections.Counter(lb)                       # label histogram
///
/// (and the same for t10k-*), with d = Data/mnist and /usr/share/datasets/fashion-mnist.
/// Every other byte is pinned by the SHA-256 digests, checked against the reference digests.
final class RealDatasetTests: XCTestCase {
    struct Facts {
        let count: Int
        let firstLabels: [UInt8]
        let firstImageSum: Int
        let lastImageSum: Int
        let centrePixelOfFirstImage: UInt8
        let histogram: [Int]
    }

    func check(_ set: ImageSet, _ facts: Facts, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(set.count, facts.count, file: file, line: line)
        XCTAssertEqual(set.rows, 28, file: file, line: line)
        XCTAssertEqual(set.cols, 28, file: file, line: line)
        XCTAssertEqual(set.pixels.count, facts.count * 784, file: file, line: line)
        XCTAssertEqual(set.labels.count, facts.count, file: file, line: line)
        XCTAssertEqual(Array(set.labels.prefix(10)), facts.firstLabels, file: file, line: line)
        XCTAssertEqual(set.image(0).reduce(0) { $0 + Int($1) }, facts.firstImageSum, file: file, line: line)
        XCTAssertEqual(set.image(set.count - 1).reduce(0) { $0 + Int($1) }, facts.lastImageSum, file: file, line: line)
        XCTAssertEqual(set.image(0)[14 * 28 + 14], facts.centrePixelOfFirstImage, file: file, line: line)
        var histogram = [Int](repeating: 0, count: 10)
        for label in set.labels { histogram[Int(label)] += 1 }
        XCTAssertEqual(histogram, facts.histogram, file: file, line: line)
    }

    func testMNISTCommittedInTheRepositoryMatchesPythonFacts() throws {
        let start = Date()
        let mnist = try readDataset(.mnist, from: Fixture.repositoryMNISTDirectory)  // uncached: a true load
        print("MNIST uncached load (decompress + SHA-256 + parse): \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        XCTAssertEqual(mnist.name, .mnist)
        check(
            mnist.train,
            Facts(
                count: 60000, firstLabels: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], firstImageSum: 27525,
                lastImageSum: 20920, centrePixelOfFirstImage: 240,
                histogram: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]))
        check(
            mnist.test,
            Facts(
                count: 10000, firstLabels: [7, 2, 1, 0, 4, 1, 4, 9, 5, 9], firstImageSum: 18454,
                lastImageSum: 41833, centrePixelOfFirstImage: 0,
                histogram: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]))
        // The reference digests of LeCun's original uncompressed files, from the shared copy.
        XCTAssertEqual(
            mnist.checksums,
            [
                "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            ])
    }

    /// CI installs Debian's dataset-fashion-mnist; a missing copy fails here rather than skipping.
    func testFashionMNISTFromTheDebianPackageMatchesPythonFacts() throws {
        let fashion = try loadDataset(.fashionMNIST, directory: DatasetLocator.systemFashionMNISTDirectory)
        XCTAssertEqual(fashion.directory, DatasetLocator.systemFashionMNISTDirectory)
        check(
            fashion.train,
            Facts(
                count: 60000, firstLabels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], firstImageSum: 76247,
                lastImageSum: 16684, centrePixelOfFirstImage: 217,
                histogram: Array(repeating: 6000, count: 10)))
        check(
            fashion.test,
            Facts(
                count: 10000, firstLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7], firstImageSum: 33456,
                lastImageSum: 24390, centrePixelOfFirstImage: 110,
                histogram: Array(repeating: 1000, count: 10)))
        XCTAssertEqual(fashion.checksums, DatasetName.fashionMNIST.knownDigests)
    }

    func testDefaultLocationFindsRepositoryMNISTAndTheCacheReturnsTheSameBuffers() throws {
        let first = try loadDataset(.mnist)
        XCTAssertEqual(first.directory, Fixture.repositoryMNISTDirectory)
        let start = Date()
        let second = try loadDataset(.mnist, directory: Fixture.repositoryMNISTDirectory)
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.1, "a cached load only stats four files")
        XCTAssertEqual(
            first.train.pixels.withUnsafeBufferPointer { $0.baseAddress },
            second.train.pixels.withUnsafeBufferPointer { $0.baseAddress })
    }

    func testMNISTFilesLoadedAsFashionMNISTAreCaughtByTheBuiltInDigests() {
        let directory = Fixture.repositoryMNISTDirectory
        let error = datasetError { try readDataset(.fashionMNIST, from: directory) }
        assertMessage(
            error,
            contains: [
                "Checksum mismatch for \(directory)/train-images-idx3-ubyte.gz",
                "is ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "expected c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "these bytes are MNIST's train-images-idx3-ubyte",
            ])
    }
}
