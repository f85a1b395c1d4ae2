import Data
import XCTest

/// Digests from FIPS 180-2, appendix B (and the well-known digest of the empty string).
final class SHA256Tests: XCTestCase {
    func testDigestOfABCMatchesFIPS180Example() {
        XCTAssertEqual(SHA256.hexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testDigestOfTwoBlockMessageMatchesFIPS180Example() {
        XCTAssertEqual(
            SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testDigestOfEmptyInput() {
        XCTAssertEqual(SHA256.hexDigest([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

final class ChecksumListTests: XCTestCase {
    func testParsesSha256sumOutputIncludingBinaryMarkerAndComments() throws {
        let text = """
            # made with sha256sum
            0FA7898D509279E482958E8CE81C8E77DB3F2F8254E26661CEB7762C4D494CE7  t10k-images-idx3-ubyte

            ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 *t10k-labels-idx1-ubyte
            """
        let list = try ChecksumList(parsing: text, path: "/x/SHA256SUMS.uncompressed")
        XCTAssertEqual(
            list.digests,
            [
                "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ])
    }

    func testMalformedLineNamesFileAndLine() {
        let error = datasetError { try ChecksumList(parsing: "abc123  train-images-idx3-ubyte\n", path: "/x/SUMS") }
        XCTAssertEqual(error, .malformedChecksumFile(path: "/x/SUMS", line: 1, text: "abc123  train-images-idx3-ubyte"))
        assertMessage(error, contains: ["/x/SUMS", "line 1", "64 hex digits"])
    }

    func testRepositorySumsFileMatchesBuiltInMNISTDigests() throws {
        let list = try ChecksumList(contentsOfFile: Fixture.repositoryMNISTDirectory + "/SHA256SUMS.uncompressed")
        XCTAssertEqual(list.digests, DatasetName.mnist.knownDigests)
    }
}
