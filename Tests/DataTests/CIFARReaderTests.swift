import Foundation
import XCTest

@testable import Data

/// The CIFAR readers on synthetic files of the real binary format (see CIFARFixture), with
/// fewer records than the real files (the record counts are the only thing the tests shrink).
final class CIFARReaderTests: XCTestCase {
    func testOfficialLayoutsMatchTheDatasetPage() {
        // https://www.cs.toronto.edu/~kriz/cifar.html: "each file should be exactly 30730000 bytes
        // long" (CIFAR-10: 10000 records of 1 + 3072 bytes); CIFAR-100 has 50000 training and
        // 10000 test images, each record 2 + 3072 bytes.
        let ten = CIFARFormat.official(.cifar10)!
        XCTAssertEqual(
            ten.fileNames,
            [
                "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin",
            ])
        XCTAssertEqual(ten.fileNames.map(ten.expectedSize(of:)), Array(repeating: 30_730_000, count: 6))
        XCTAssertEqual([ten.trainRecords, ten.testRecords], [50_000, 10_000])
        let hundred = CIFARFormat.official(.cifar100)!
        XCTAssertEqual(hundred.fileNames, ["train.bin", "test.bin"])
        XCTAssertEqual(hundred.fileNames.map(hundred.expectedSize(of:)), [153_700_000, 30_740_000])
        XCTAssertEqual([hundred.trainRecords, hundred.testRecords], [50_000, 10_000])
        XCTAssertEqual(DatasetName.allCases.map(\.classCount), [10, 10, 10, 100])
        XCTAssertEqual(DatasetName.cifar100.coarseClassCount, 20)
        XCTAssertNil(CIFARFormat.official(.mnist))
    }

    func testCIFAR10PixelsAreChannelMajorAndLabelsAsWritten() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let manifest = try CIFARFixture.make([
            "cifar10", "--train-records", "3", "--test-records", "2", "--dir", directory,
        ])
        let set = try readCIFARDataset(CIFARFixture.format(.cifar10, md5: manifest.files), from: directory)
        XCTAssertEqual([set.train.count, set.train.channels, set.train.rows, set.train.cols], [15, 3, 32, 32])
        XCTAssertEqual(set.test.count, 2)
        XCTAssertNil(set.train.coarseLabels)
        for (split, files, perFile) in [(set.train, 0..<5, 3), (set.test, 5..<6, 2)] {
            let records = CIFARFixture.recordNumbers(files: files, records: perFile)
            XCTAssertEqual(split.labels.map(Int.init), records.map { g in (3 * g + g / 1000) % 10 })
            for (i, g) in records.enumerated() {
                let image = Array(split.image(i))
                var expected: [UInt8] = []
                for c in 0..<3 {
                    for y in 0..<32 { for x in 0..<32 { expected.append(CIFARFixture.pixel(g, c, y, x)) } }
                }
                XCTAssertEqual(image, expected, "record \(g)")
            }
        }
        // Green plane of image 1 of the training set, row 2, column 5: 1024 + 2 * 32 + 5.
        XCTAssertEqual(Array(set.train.image(1))[1024 + 69], CIFARFixture.pixel(1, 1, 2, 5))
        XCTAssertEqual(set.checksums, manifest.sha256!.filter { $0.key.hasSuffix(".bin") })
        XCTAssertEqual(set.name, .cifar10)
    }

    func testCIFAR100KeepsCoarseAndFineLabels() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let manifest = try CIFARFixture.make([
            "cifar100", "--train-records", "4", "--test-records", "3", "--dir", directory,
        ])
        let set = try readCIFARDataset(
            CIFARFixture.format(.cifar100, train: 4, test: 3, md5: manifest.files),
            from: directory)
        XCTAssertEqual([set.train.count, set.test.count, set.train.channels], [4, 3, 3])
        XCTAssertEqual(set.train.labels, [3, 14, 25, 36])  // (11 g + 3) mod 100, g = 0...3
        XCTAssertEqual(set.train.coarseLabels, [0, 7, 14, 1])  // 7 g mod 20
        XCTAssertEqual(set.test.labels, [3, 14, 25])  // g = 1000...1002
        XCTAssertEqual(set.test.coarseLabels, [0, 7, 14])
        XCTAssertEqual(
            Array(set.test.image(2).prefix(3)),
            [
                CIFARFixture.pixel(1002, 0, 0, 0),
                CIFARFixture.pixel(1002, 0, 0, 1), CIFARFixture.pixel(1002, 0, 0, 2),
            ])
    }

    func testTruncatedFileNamesTheRecordLayout() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let manifest = try CIFARFixture.make(["cifar10", "--dir", directory])
        let path = directory + "/data_batch_3.bin"
        let bytes = try Foundation.Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast().write(to: URL(fileURLWithPath: path))
        let error = datasetError {
            try readCIFARDataset(CIFARFixture.format(.cifar10, md5: manifest.files), from: directory)
        }
        XCTAssertEqual(
            error, .wrongRecordFileSize(path: path, dataset: .cifar10, got: 9218, records: 3, recordBytes: 3073))
        assertMessage(
            error,
            contains: [
                "Wrong size for CIFAR-10 file \(path)", "got 9218 bytes",
                "not a whole number of records", "expected 9219",
                "3 records of 3073 bytes: 1 label byte + 3072 pixel bytes",
            ])
    }

    func testCIFAR10FilesInACIFAR100FolderHaveTheWrongRecordSize() throws {
        let directory = try Fixture.temporaryDirectory(self)
        try CIFARFixture.make(["cifar10", "--train-records", "2", "--test-records", "2", "--dir", directory])
        try FileManager.default.moveItem(atPath: directory + "/data_batch_1.bin", toPath: directory + "/train.bin")
        try FileManager.default.moveItem(atPath: directory + "/test_batch.bin", toPath: directory + "/test.bin")
        let format = CIFARFixture.format(.cifar100, train: 2, test: 2, md5: [:])
        let error = datasetError { try readCIFARDataset(format, from: directory) }
        assertMessage(
            error,
            contains: [
                "CIFAR-100 file \(directory)/train.bin", "got 6146 bytes",
                "expected 6148", "2 label bytes",
            ])
    }

    func testFileWithExtraRecordsSaysHowManyItHolds() throws {
        let directory = try Fixture.temporaryDirectory(self)
        try CIFARFixture.make(["cifar10", "--train-records", "4", "--dir", directory])
        let error = datasetError { try readCIFARDataset(CIFARFixture.format(.cifar10, md5: [:]), from: directory) }
        assertMessage(error, contains: ["data_batch_1.bin", "got 12292 bytes (4 records)", "expected 9219"])
    }

    func testLabelOutOfRangeNamesRecordAndByte() throws {
        let directory = try Fixture.temporaryDirectory(self)
        try CIFARFixture.make(["cifar10", "--dir", directory])
        let path = directory + "/test_batch.bin"
        var bytes = [UInt8](try Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[3073] = 10  // label of record 1
        try Fixture.write(bytes, to: path)
        let error = datasetError { try readCIFARDataset(CIFARFixture.format(.cifar10, md5: [:]), from: directory) }
        XCTAssertEqual(
            error, .labelOutOfRange(path: path, record: 1, offset: 3073, kind: "label", got: 10, classes: 10))
        assertMessage(
            error,
            contains: [
                "Label out of range in \(path)", "record 1 (byte 3073)", "label 10",
                "expected 0...9",
            ])
    }

    func testCIFAR100CoarseAndFineLabelRanges() throws {
        let directory = try Fixture.temporaryDirectory(self)
        try CIFARFixture.make(["cifar100", "--dir", directory])
        let path = directory + "/train.bin"
        var bytes = [UInt8](try Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        let format = CIFARFixture.format(.cifar100, md5: [:])
        bytes[2 * 3074] = 20  // coarse label of record 2
        try Fixture.write(bytes, to: path)
        XCTAssertEqual(
            datasetError { try readCIFARDataset(format, from: directory) },
            .labelOutOfRange(path: path, record: 2, offset: 6148, kind: "coarse label", got: 20, classes: 20))
        bytes[2 * 3074] = 19
        bytes[2 * 3074 + 1] = 100  // fine label of record 2
        try Fixture.write(bytes, to: path)
        let error = datasetError { try readCIFARDataset(format, from: directory) }
        XCTAssertEqual(
            error,
            .labelOutOfRange(
                path: path, record: 2, offset: 6149, kind: "fine label", got: 100,
                classes: 100))
        assertMessage(error, contains: ["fine label 100", "expected 0...99"])
    }

    func testWrongContentIsCaughtByThePublishedMD5() throws {
        // The synthetic files have the real layout but not the real bytes: the official digests refuse them.
        let directory = try Fixture.temporaryDirectory(self)
        let manifest = try CIFARFixture.make(["cifar10", "--dir", directory])
        var format = CIFARFixture.format(.cifar10, md5: manifest.files)
        format.md5 = CIFARFormat.official(.cifar10)!.md5
        let error = datasetError { try readCIFARDataset(format, from: directory) }
        XCTAssertEqual(
            error,
            .md5Mismatch(
                path: directory + "/data_batch_1.bin", got: manifest.files["data_batch_1.bin"]!,
                expected: "5dd7e06a14cb22eb9f671a540d1b7c25",
                reference: "MD5 of the original CIFAR-10 data_batch_1.bin"))
        assertMessage(
            error,
            contains: [
                "Checksum mismatch for \(directory)/data_batch_1.bin", "MD5 is",
                "expected 5dd7e06a14cb22eb9f671a540d1b7c25",
            ])
    }

    func testSumsFileBesideTheDataIsChecked() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let manifest = try CIFARFixture.make(["cifar100", "--dir", directory])
        let wrong = String(repeating: "a", count: 64)
        try "\(wrong)  test.bin\n".write(
            toFile: directory + "/SHA256SUMS.uncompressed", atomically: true, encoding: .utf8)
        let error = datasetError {
            try readCIFARDataset(CIFARFixture.format(.cifar100, md5: manifest.files), from: directory)
        }
        XCTAssertEqual(
            error,
            .checksumMismatch(
                path: directory + "/test.bin", got: manifest.sha256!["test.bin"]!,
                expected: wrong, reference: "listed in \(directory)/SHA256SUMS.uncompressed"))
    }

    func testMissingCIFARNamesTheFilesAndTheFetchCommand() throws {
        let directory = try Fixture.temporaryDirectory(self)
        let error = datasetError { try loadDataset(.cifar100, directory: directory) }
        XCTAssertEqual(
            error,
            .missingFile(
                path: directory + "/train.bin", dataset: .cifar100,
                searched: [directory + "/cifar100", directory + "/cifar-100-binary", directory]))
        assertMessage(
            error,
            contains: [
                "Missing CIFAR-100 file: \(directory)/train.bin",
                "Expected the files train.bin, test.bin",
                "a directory holding cifar100/", "swift run bench fetch cifar100",
            ])
        let fashion = datasetError { try loadDataset(.fashionMNIST, directory: directory) }
        assertMessage(
            fashion, contains: ["apt-get install dataset-fashion-mnist", "swift run bench fetch fashion-mnist"])
        let mnist = datasetError { try loadDataset(.mnist, directory: directory) }
        XCTAssertFalse(mnist?.description.contains("bench fetch") ?? true, "MNIST ships in the repository")
    }

    func testLocatorFindsAnArchiveUnpackedByHand() throws {
        let base = try Fixture.temporaryDirectory(self)
        try CIFARFixture.make(["cifar10", "--dir", base + "/cifar-10-batches-bin"])
        XCTAssertEqual(try DatasetLocator.locate(.cifar10, explicitDirectory: base), base + "/cifar-10-batches-bin")
        XCTAssertEqual(
            DatasetLocator.candidates(for: .cifar10, explicitDirectory: base).map(\.directory),
            [base + "/cifar10", base + "/cifar-10-batches-bin", base])
    }
}

final class ChannelStatisticsTests: XCTestCase {
    func testMeanAndDeviationPerChannelMatchNumpy() {
        // Two 1×2 images with 2 channels: channel 0 bytes 0 255 51 102, channel 1 constant 17.
        let set = ImageSet(
            count: 2, rows: 1, cols: 2, channels: 2, pixels: [0, 255, 17, 17, 51, 102, 17, 17],
            labels: [0, 1])
        let stats = ChannelStatistics(of: set)
        // numpy: x = np.array([0, 255, 51, 102]) / 255; x.mean(), x.std()  ->  0.4, 0.37416573867739417
        XCTAssertEqual(stats.mean[0], 0.4, accuracy: 1e-15)
        XCTAssertEqual(stats.standardDeviation[0], 0.37416573867739417, accuracy: 1e-15)
        XCTAssertEqual(stats.mean[1], 17.0 / 255, accuracy: 1e-15)
        XCTAssertEqual(stats.standardDeviation[1], 1, "a constant channel is only centred")
        XCTAssertEqual(stats.normalized(255, channel: 0), Float((1 - 0.4) / 0.37416573867739417))
        XCTAssertEqual(stats.normalized(17, channel: 1), 0)
    }

    func testMNISTStyleSetsDefaultToOneChannel() {
        let set = ImageSet(count: 1, rows: 2, cols: 2, pixels: [1, 2, 3, 4], labels: [0])
        XCTAssertEqual([set.channels, set.pixelsPerImage], [1, 4])
        XCTAssertNil(set.coarseLabels)
    }
}
