import Data
import Foundation
import XCTest

/// Helpers that build gzip and IDX bytes independently of the code under test: the gzip writer
/// below emits "stored" (uncompressed) deflate blocks (RFC 1951 §3.2.4) in a gzip wrapper
/// (RFC 1952) with its own CRC-32, so no zlib code is shared with the reader being tested.
enum Fixture {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func gzip(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]  // deflate, no flags, mtime 0, OS unknown
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let isLast = offset + length == data.count
            out.append(isLast ? 1 : 0)  // BFINAL, BTYPE = 00 (stored)
            out += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
            out += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        return out + littleEndian(crc32(data)) + littleEndian(UInt32(data.count))
    }

    static func idxImages(count: UInt32, rows: UInt32, cols: UInt32, pixels: [UInt8]) -> [UInt8] {
        bigEndian(0x0803) + bigEndian(count) + bigEndian(rows) + bigEndian(cols) + pixels
    }

    static func idxLabels(_ labels: [UInt8], count: UInt32? = nil) -> [UInt8] {
        bigEndian(0x0801) + bigEndian(count ?? UInt32(labels.count)) + labels
    }

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "gembench-data-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Foundation.Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Train: 3 images of 2×2 with pixels 0...11, labels 7 8 9. Test: 2 images, pixels 100...107, labels 1 2.
    static let trainPixels: [UInt8] = Array(0..<12)
    static let testPixels: [UInt8] = Array(100..<108)

    /// Writes a tiny, structurally valid dataset (the four .gz files) into `directory`.
    static func writeTinyDataset(in directory: String) throws {
        try write(
            gzip(idxImages(count: 3, rows: 2, cols: 2, pixels: trainPixels)),
            to: directory + "/train-images-idx3-ubyte.gz")
        try write(gzip(idxLabels([7, 8, 9])), to: directory + "/train-labels-idx1-ubyte.gz")
        try write(
            gzip(idxImages(count: 2, rows: 2, cols: 2, pixels: testPixels)),
            to: directory + "/t10k-images-idx3-ubyte.gz")
        try write(gzip(idxLabels([1, 2])), to: directory + "/t10k-labels-idx1-ubyte.gz")
    }

    /// The repository's committed MNIST, found from this source file's location.
    static var repositoryMNISTDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/mnist").path
    }
}

/// The `DatasetError` that `body` throws; fails the test if it throws nothing or something else.
func datasetError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> DatasetError? {
    do {
        _ = try body()
        XCTFail("expected a DatasetError, got success", file: file, line: line)
    } catch let error as DatasetError {
        return error
    } catch {
        XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
    }
    return nil
}

func assertMessage(
    _ error: DatasetError?, contains parts: [String], file: StaticString = #filePath, line: UInt = #line
) {
    guard let message = error?.description else { return }
    for part in parts where !message.contains(part) {
        XCTFail("message does not contain \"\(part)\":\n\(message)", file: file, line: line)
    }
}
