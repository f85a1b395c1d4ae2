import Data
import Foundation
import XCTest

/// Each failure on small generated files: the message names the file and the expected/got values.
final class DatasetErrorTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try Fixture.temporaryDirectory(self)
        try Fixture.writeTinyDataset(in: directory)
    }

    func path(_ file: String) -> String { directory + "/" + file }

    func testTinyDatasetReadsBackItsPixelsAndLabels() throws {
        let train = try ImageSet.read(
            imagesAt: path("train-images-idx3-ubyte.gz"),
            labelsAt: path("train-labels-idx1-ubyte.gz"))
        XCTAssertEqual([train.count, train.rows, train.cols], [3, 2, 2])
        XCTAssertEqual(train.pixels, Fixture.trainPixels)
        XCTAssertEqual(Array(train.image(1)), [4, 5, 6, 7])
        XCTAssertEqual(train.labels, [7, 8, 9])
    }

    func testMissingFileNamesThePathTheOtherPlacesAndHowToPointElsewhere() throws {
        try FileManager.default.removeItem(atPath: path("t10k-labels-idx1-ubyte.gz"))
        let error = datasetError { try loadDataset(.mnist, directory: directory) }
        XCTAssertEqual(
            error,
            .missingFile(
                path: path("t10k-labels-idx1-ubyte.gz"), dataset: .mnist,
                searched: [directory + "/mnist", directory]))
        assertMessage(
            error,
            contains: [
                "Missing MNIST file: \(path("t10k-labels-idx1-ubyte.gz"))",
                "Also looked in: \(directory)/mnist", "--data-dir", "GEMBENCH_DATA_DIR",
            ])
    }

    func testMissingFashionMNISTSuggestsTheDebianPackage() {
        let empty = directory + "/empty"
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let error = datasetError { try loadDataset(.fashionMNIST, directory: empty) }
        assertMessage(
            error,
            contains: [
                "Missing Fashion-MNIST file: \(empty)/train-images-idx3-ubyte.gz",
                "apt-get install dataset-fashion-mnist", "--data-dir", "GEMBENCH_DATA_DIR",
            ])
    }

    func testNotGzip() throws {
        try Fixture.write(Fixture.idxLabels([1, 2]), to: path("t10k-labels-idx1-ubyte.gz"))
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(error, .notGzip(path: path("t10k-labels-idx1-ubyte.gz"), firstBytes: [0, 0, 8, 1]))
        assertMessage(error, contains: ["Not a gzip file: \(path("t10k-labels-idx1-ubyte.gz"))", "expected 1f 8b"])
    }

    func testWrongMagic() throws {
        try Fixture.write(Fixture.gzip(Fixture.idxLabels([7, 8, 9])), to: path("train-images-idx3-ubyte.gz"))
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(error, .wrongMagic(path: path("train-images-idx3-ubyte.gz"), got: 0x801, expected: 0x803))
        assertMessage(
            error, contains: [path("train-images-idx3-ubyte.gz"), "got 0x00000801", "expected 0x00000803"])
    }

    func testTruncatedPayload() throws {
        let short = Fixture.idxImages(count: 2, rows: 2, cols: 2, pixels: Array(Fixture.testPixels.prefix(5)))
        try Fixture.write(Fixture.gzip(short), to: path("t10k-images-idx3-ubyte.gz"))
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(error, .wrongSize(path: path("t10k-images-idx3-ubyte.gz"), got: 21, expected: 24))
        assertMessage(
            error,
            contains: [
                "Truncated IDX file \(path("t10k-images-idx3-ubyte.gz"))",
                "got 21 bytes", "expected 24",
            ])
    }

    func testCountMismatchNamesBothFilesAndBothCounts() throws {
        try Fixture.write(Fixture.gzip(Fixture.idxLabels([7, 8])), to: path("train-labels-idx1-ubyte.gz"))
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(
            error,
            .countMismatch(
                imagesPath: path("train-images-idx3-ubyte.gz"), imageCount: 3,
                labelsPath: path("train-labels-idx1-ubyte.gz"), labelCount: 2))
        assertMessage(
            error,
            contains: [
                path("train-images-idx3-ubyte.gz"), "3 images",
                path("train-labels-idx1-ubyte.gz"), "2 labels",
            ])
    }

    func testShapeMismatchBetweenTrainAndTest() throws {
        let wide = Fixture.idxImages(count: 2, rows: 1, cols: 4, pixels: Fixture.testPixels)
        try Fixture.write(Fixture.gzip(wide), to: path("t10k-images-idx3-ubyte.gz"))
        let error = datasetError { try readDataset(.mnist, from: directory) }
        assertMessage(error, contains: ["2×2", "1×4", path("t10k-images-idx3-ubyte.gz")])
    }

    func testChecksumMismatchAgainstTheBuiltInDigests() {
        // Structurally valid, but not MNIST: caught by the built-in digest of the original file.
        let got = SHA256.hexDigest(Fixture.idxImages(count: 3, rows: 2, cols: 2, pixels: Fixture.trainPixels))
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(
            error,
            .checksumMismatch(
                path: path("train-images-idx3-ubyte.gz"), got: got,
                expected: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                reference: "built-in digest of the original MNIST train-images-idx3-ubyte"))
        assertMessage(
            error,
            contains: [
                "Checksum mismatch for \(path("train-images-idx3-ubyte.gz"))",
                got, "expected ba891046e6505d7a",
            ])
    }

    func testChecksumMismatchAgainstTheSumsFileBesideTheData() throws {
        let labels = Fixture.idxLabels([7, 8, 9])
        let wrong = String(repeating: "0", count: 64)
        try "\(wrong)  train-labels-idx1-ubyte\n".write(
            toFile: path("SHA256SUMS.uncompressed"),
            atomically: true, encoding: .utf8)
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(
            error,
            .checksumMismatch(
                path: path("train-labels-idx1-ubyte.gz"),
                got: SHA256.hexDigest(labels), expected: wrong,
                reference: "listed in \(path("SHA256SUMS.uncompressed"))"))
        assertMessage(
            error,
            contains: [
                path("train-labels-idx1-ubyte.gz"), SHA256.hexDigest(labels),
                "expected \(wrong)", path("SHA256SUMS.uncompressed"),
            ])
    }
}
