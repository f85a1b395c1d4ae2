import Data
import XCTest

final class GzipTests: XCTestCase {
    func testFixtureCRC32MatchesTheStandardCheckValue() {
        // CRC-32/ISO-HDLC check value of "123456789" (the value every CRC catalogue lists).
        XCTAssertEqual(Fixture.crc32(Array("123456789".utf8)), 0xcbf4_3926)
    }

    func testDecompressesStoredBlocksSpanningSeveralDeflateBlocks() throws {
        let original = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let compressed = Fixture.gzip(original)
        let result = try compressed.withUnsafeBytes { try Gzip.decompress($0, path: "mem.gz") }
        XCTAssertEqual(result, original)
    }

    func testDecompressesConcatenatedGzipMembers() throws {
        let compressed = Fixture.gzip(Array("hello, ".utf8)) + Fixture.gzip(Array("world".utf8))
        let result = try compressed.withUnsafeBytes { try Gzip.decompress($0, path: "mem.gz") }
        XCTAssertEqual(String(decoding: result, as: UTF8.self), "hello, world")
    }

    func testNotGzipReportsFirstBytesAndGzipMagic() {
        let raw = Fixture.idxLabels([1, 2, 3])
        let error = datasetError { try raw.withUnsafeBytes { try Gzip.decompress($0, path: "/d/labels.gz") } }
        XCTAssertEqual(error, .notGzip(path: "/d/labels.gz", firstBytes: [0, 0, 8, 1]))
        assertMessage(error, contains: ["/d/labels.gz", "00 00 08 01", "expected 1f 8b", "uncompressed IDX"])
    }

    func testTruncatedGzipStreamIsADecompressionFailure() {
        let compressed = Array(Fixture.gzip(Array(repeating: 42, count: 1000)).prefix(500))
        let error = datasetError { try compressed.withUnsafeBytes { try Gzip.decompress($0, path: "/d/cut.gz") } }
        assertMessage(error, contains: ["Cannot decompress /d/cut.gz", "truncated", "complete gzip stream"])
    }

    func testCorruptCRCIsADecompressionFailure() {
        var compressed = Fixture.gzip(Array(repeating: 42, count: 1000))
        compressed[compressed.count - 8] ^= 0xff  // first byte of the CRC-32 in the trailer
        let error = datasetError { try compressed.withUnsafeBytes { try Gzip.decompress($0, path: "/d/crc.gz") } }
        assertMessage(error, contains: ["/d/crc.gz", "incorrect data check"])
    }

    func testTrailingGarbageAfterTheStreamIsRejected() {
        let compressed = Fixture.gzip([1, 2, 3]) + [0xde, 0xad]
        let error = datasetError { try compressed.withUnsafeBytes { try Gzip.decompress($0, path: "/d/tail.gz") } }
        assertMessage(error, contains: ["/d/tail.gz", "2 bytes of trailing garbage"])
    }
}

final class IDXTests: XCTestCase {
    func testParsesBigEndianImageHeader() throws {
        let bytes = Fixture.idxImages(count: 2, rows: 3, cols: 256, pixels: Array(repeating: 5, count: 1536))
        let file = try IDXFile(parsing: bytes, expecting: .images, path: "x")
        XCTAssertEqual(file.dimensions, [2, 3, 256])
        XCTAssertEqual(file.payload.count, 1536)
    }

    func testWrongMagicShowsGotAndExpectedInHex() {
        let error = datasetError { try IDXFile(parsing: Fixture.idxLabels([1]), expecting: .images, path: "/d/i.gz") }
        XCTAssertEqual(error, .wrongMagic(path: "/d/i.gz", got: 0x801, expected: 0x803))
        assertMessage(
            error,
            contains: ["/d/i.gz", "got 0x00000801", "expected 0x00000803", "looks like an IDX label file instead"])
    }

    func testTruncatedPayloadShowsGotAndExpectedLength() {
        let bytes = Fixture.idxImages(count: 3, rows: 2, cols: 2, pixels: Array(repeating: 0, count: 11))
        let error = datasetError { try IDXFile(parsing: bytes, expecting: .images, path: "/d/i.gz") }
        XCTAssertEqual(error, .wrongSize(path: "/d/i.gz", got: 27, expected: 28))
        assertMessage(error, contains: ["Truncated", "/d/i.gz", "got 27 bytes", "expected 28"])
    }

    func testTruncatedHeader() {
        let bytes = Array(Fixture.idxImages(count: 3, rows: 2, cols: 2, pixels: []).prefix(10))
        XCTAssertEqual(
            datasetError { try IDXFile(parsing: bytes, expecting: .images, path: "p") },
            .wrongSize(path: "p", got: 10, expected: 16))
    }

    func testTrailingBytesAreAnError() {
        let bytes = Fixture.idxLabels([1, 2, 3], count: 2)
        let error = datasetError { try IDXFile(parsing: bytes, expecting: .labels, path: "/d/l.gz") }
        XCTAssertEqual(error, .wrongSize(path: "/d/l.gz", got: 11, expected: 10))
        assertMessage(error, contains: ["/d/l.gz", "1 trailing byte:", "expected 10"])
    }
}
