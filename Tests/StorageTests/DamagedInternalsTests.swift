import Foundation
import XCTest

@testable import Storage

/// Run files whose internals were edited and then sealed again (the seal only detects
/// accidents): libhdf5 must never see a global heap whose objects overrun it.
final class DamagedInternalsTests: XCTestCase {
    /// The bytes of a run file with `edit` applied after the seal's header, sealed again.
    private func resealed(_ edit: (inout [UInt8]) -> Void) throws -> URL {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        edit(&bytes)
        try RunFileSeal.seal(&bytes, schemaVersion: RunFile.schemaVersion, path: url.path)
        try Data(bytes).write(to: url)
        return url
    }

    private func collectionOffset(_ bytes: [UInt8]) -> Int {
        let signature = Array("GCOL".utf8) + [1]
        return (0..<(bytes.count - 5)).first { Array(bytes[$0..<($0 + 5)]) == signature }!
    }

    private func setUInt64(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    /// Before: libhdf5 copied 8.8e18 bytes from the heap and crashed (SIGSEGV in H5HG_read).
    func testAnOversizedGlobalHeapObjectIsDamageNotACrash() throws {
        var offset = 0
        let url = try resealed { bytes in
            offset = collectionOffset(bytes)
            // object 1: its size field sits 8 bytes into the object header that follows the 16-byte collection header
            setUInt64(0x79f1_ca91_11a9_a187, at: offset + 16 + 8, in: &bytes)
        }
        XCTAssertThrowsError(try RunFile.read(url)) { error in
            guard case .damaged(_, let reason)? = error as? RunFileError else { return XCTFail("\(error)") }
            XCTAssertTrue(
                reason.hasPrefix("global heap collection at byte \(offset): object 1 of 8787027072391946631 bytes, "),
                reason)
        }
        XCTAssertThrowsError(try RunFile.readSummary(url))
    }

    func testACollectionLargerThanTheFileIsDamage() throws {
        var offset = 0
        let url = try resealed { bytes in
            offset = collectionOffset(bytes)
            setUInt64(UInt64(bytes.count), at: offset + 8, in: &bytes)
        }
        XCTAssertThrowsError(try RunFile.read(url)) { error in
            XCTAssertEqual(
                error as? RunFileError,
                .damaged(
                    path: url.path,
                    reason:
                        "global heap collection at byte \(offset): size \(try! Data(contentsOf: url).count) does not fit the file"
                ))
        }
    }

    func testAnIntactFileStillReads() throws {
        let url = try resealed { _ in }
        XCTAssertEqual(try RunFile.read(url), sampleRecord())
    }
}
