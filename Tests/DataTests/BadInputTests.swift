import Data
import Foundation
import XCTest

/// Inputs that used to exhaust memory, hang, or blame the wrong file.
final class BadInputTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try Fixture.temporaryDirectory(self)
        try Fixture.writeTinyDataset(in: directory)
    }

    func path(_ file: String) -> String { directory + "/" + file }

    /// Compresses with Python's gzip module at level 9 (a real deflate encoder; the fixture
    /// writer only stores), so that zeros shrink about 1000:1.
    func pythonGzip(header: [UInt8], zeros: Int, to path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import gzip, sys
            data = bytes.fromhex(sys.argv[1]) + bytes(int(sys.argv[2]))
            open(sys.argv[3], 'wb').write(gzip.compress(data, 9))
            """, header.map { String(format: "%02x", $0) }.joined(), String(zeros), path,
        ]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    /// Before: all 50 MB were decompressed before the size error (1.6 GB for a 1.5 MB file).
    func testDecompressionStopsAtTheLengthTheHeaderDeclares() throws {
        let bomb = path("t10k-labels-idx1-ubyte.gz")
        try pythonGzip(header: Fixture.idxLabels([], count: 2), zeros: 50_000_000, to: bomb)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int)
        XCTAssertLessThan(size, 100_000)
        let error = datasetError { try IDXFile.decompress(atPath: bomb, expecting: .labels) }
        XCTAssertEqual(error, .decompressedTooLarge(path: bomb, limit: 10))
        assertMessage(
            error,
            contains: [
                "Cannot decompress \(bomb): it decompresses to more than 10 bytes",
                "decompression stopped there",
            ])
        XCTAssertEqual(
            datasetError { try readDataset(.mnist, from: directory) }, .decompressedTooLarge(path: bomb, limit: 10))
    }

    /// Before: "expected 9223372036854775807"; a header may declare 2^96 bytes.
    func testAnOverflowingHeaderIsNamedNotComputed() throws {
        let header = Fixture.idxImages(count: 0xffff_ffff, rows: 0xffff_ffff, cols: 0xffff_ffff, pixels: [])
        let file = path("train-images-idx3-ubyte.gz")
        try Fixture.write(Fixture.gzip(header + [1, 2, 3]), to: file)
        let error = datasetError { try readDataset(.mnist, from: directory) }
        XCTAssertEqual(
            error,
            .implausibleDimensions(
                path: file, dimensions: [4_294_967_295, 4_294_967_295, 4_294_967_295],
                limit: 1 << 30))
        XCTAssertEqual(
            error?.description,
            "Implausible IDX header in \(file): dimensions 4294967295×4294967295×4294967295 "
                + "declare more than 1073741824 bytes of data, the most a dataset file read here may hold. "
                + "The file is damaged; replace it.")
        XCTAssertEqual(
            datasetError { try IDXFile(parsing: header, expecting: .images, path: "p") },
            .implausibleDimensions(
                path: "p", dimensions: [4_294_967_295, 4_294_967_295, 4_294_967_295], limit: 1 << 30))
    }

    /// Before: "Missing MNIST file" for a directory (and "You don't have permission" as root).
    func testADirectoryInPlaceOfADataFileIsNamedAsADirectory() throws {
        let file = path("t10k-labels-idx1-ubyte.gz")
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        let error = datasetError { try loadDataset(.mnist, directory: directory) }
        XCTAssertEqual(error, .unreadableFile(path: file, reason: "it is a directory, not a regular file"))
    }

    /// Before: reading the FIFO waited for a writer forever.
    func testAFIFOInPlaceOfADataFileIsRefusedWithoutWaiting() throws {
        let file = path("train-labels-idx1-ubyte.gz")
        try FileManager.default.removeItem(atPath: file)
        XCTAssertEqual(mkfifo(file, 0o644), 0)
        let error = datasetError { try loadDataset(.mnist, directory: directory) }
        XCTAssertEqual(error, .unreadableFile(path: file, reason: "it is a FIFO (named pipe), not a regular file"))
        XCTAssertEqual(datasetError { try Gzip.decompressFile(atPath: file) }, error)
    }

    /// Before: the genuine data file was blamed ("Checksum mismatch for …/t10k-labels-idx1-ubyte.gz").
    func testAWrongLineInTheChecksumListBlamesTheLine() throws {
        let data = try Fixture.temporaryDirectory(self)
        for file in DatasetName.mnist.files.all {
            try FileManager.default.createSymbolicLink(
                atPath: data + "/" + file,
                withDestinationPath: Fixture.repositoryMNISTDirectory + "/" + file)
        }
        var list = try String(
            contentsOfFile: Fixture.repositoryMNISTDirectory + "/SHA256SUMS.uncompressed", encoding: .utf8)
        let genuine = DatasetName.mnist.knownDigests["t10k-labels-idx1-ubyte"]!
        let wrong = String(repeating: "0", count: 64)
        list = list.replacingOccurrences(of: genuine, with: wrong)
        let line = try XCTUnwrap(list.split(separator: "\n").firstIndex { $0.hasPrefix(wrong) }) + 1
        try list.write(toFile: data + "/SHA256SUMS.uncompressed", atomically: true, encoding: .utf8)
        let error = datasetError { try readDataset(.mnist, from: data) }
        XCTAssertEqual(
            error,
            .wrongChecksumListEntry(
                listPath: data + "/SHA256SUMS.uncompressed", line: line,
                file: "t10k-labels-idx1-ubyte", listed: wrong, actual: genuine))
        assertMessage(
            error,
            contains: [
                "line \(line) of \(data)/SHA256SUMS.uncompressed",
                "The data is genuine; correct or remove that line.",
            ])
    }
}
