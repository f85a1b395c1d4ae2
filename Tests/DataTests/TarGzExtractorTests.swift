import Foundation
import XCTest

@testable import Data

/// The unpacker on archives written by Python's tarfile + gzip (make_fixtures.py).
final class TarGzExtractorTests: XCTestCase {
    var work = ""
    var archive: String { work + "/a.tar.gz" }
    let layout = ArchiveLayout(
        cifar: CIFARFixture.format(.cifar10, md5: [:]), folder: DatasetName.cifar10.archiveFolderName!)

    override func setUpWithError() throws {
        work = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: work + "/out", withIntermediateDirectories: true)
    }

    func extract() throws -> [String] { try TarGzExtractor.extract(archive, layout: layout, into: work + "/out") }

    func contentsOfOut() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: work + "/out")) ?? []).sorted()
    }

    func testWritesTheMembersWithoutTheirFolderAndByteForByte() throws {
        let reference = work + "/reference"
        try CIFARFixture.make(["cifar10", "--archive", archive, "--dir", reference])
        let written = try extract()
        XCTAssertEqual(written.sorted(), (Array(layout.required.keys) + Array(layout.optional.keys)).sorted())
        XCTAssertEqual(contentsOfOut(), try FileManager.default.contentsOfDirectory(atPath: reference).sorted())
        for name in contentsOfOut() {
            XCTAssertEqual(
                try Foundation.Data(contentsOf: URL(fileURLWithPath: work + "/out/" + name)),
                try Foundation.Data(contentsOf: URL(fileURLWithPath: reference + "/" + name)), name)
        }
    }

    func testUnexpectedMemberIsRefused() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--extra", "evil.sh"])
        let error = fetchError { try extract() }
        XCTAssertEqual(
            error,
            .unexpectedMember(
                path: archive, member: "cifar-10-batches-bin/evil.sh",
                expected: layout.memberNames))
        assertMessage(
            error,
            contains: [
                "Unexpected member \"cifar-10-batches-bin/evil.sh\" in \(archive)",
                "expected only cifar-10-batches-bin/data_batch_1.bin", "Nothing was installed",
            ])
        XCTAssertFalse(contentsOfOut().contains("evil.sh"))
    }

    func testAbsolutePathIsRefused() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--absolute"])
        XCTAssertEqual(
            fetchError { try extract() },
            .unsafeMember(path: archive, member: "/tmp/gembench-absolute-member", reason: "has an absolute path"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/gembench-absolute-member"))
    }

    func testDotDotIsRefused() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--dotdot"])
        let error = fetchError { try extract() }
        XCTAssertEqual(
            error,
            .unsafeMember(
                path: archive, member: "cifar-10-batches-bin/../escaped.bin",
                reason: "climbs out with \"..\""))
        assertMessage(error, contains: ["Refusing to unpack \(archive)", "escaped.bin"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/escaped.bin"))
    }

    func testSymlinkIsRefused() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--symlink"])
        XCTAssertEqual(
            fetchError { try extract() },
            .unsafeMember(path: archive, member: "cifar-10-batches-bin/link.bin", reason: "is a link"))
    }

    func testMissingMemberIsAnError() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--omit", "test_batch.bin"])
        let error = fetchError { try extract() }
        XCTAssertEqual(error, .missingMember(path: archive, member: "cifar-10-batches-bin/test_batch.bin"))
        assertMessage(error, contains: ["lacks \"cifar-10-batches-bin/test_batch.bin\""])
    }

    func testMemberOfAnotherSizeIsRefusedBeforeItIsWritten() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--train-records", "4"])
        let error = fetchError { try extract() }
        XCTAssertEqual(
            error,
            .wrongMemberSize(
                path: archive, member: "cifar-10-batches-bin/data_batch_1.bin",
                got: 4 * 3073, expected: 3 * 3073, exact: true))
        assertMessage(error, contains: ["is 12292 bytes, expected 9219"])
        XCTAssertEqual(contentsOfOut(), [])
    }

    func testTruncatedArchiveIsCorrupt() throws {
        let full = try CIFARFixture.make(["cifar10", "--archive", archive])
        try CIFARFixture.make(["cifar10", "--archive", archive, "--truncate", String(full.size! / 2)])
        let error = fetchError { try extract() }
        guard case .corruptArchive(archive, _)? = error else { return XCTFail("\(String(describing: error))") }
        assertMessage(error, contains: ["Cannot unpack \(archive)", "complete gzip-compressed tar archive"])
    }

    func testUncompressedTarAndGarbageAreRefused() throws {
        try CIFARFixture.make(["cifar10", "--archive", archive, "--plain"])
        XCTAssertEqual(
            fetchError { try extract() }, .corruptArchive(path: archive, reason: "it is not gzip-compressed"))
        try Fixture.write(Array("<html>503 Service Unavailable</html>".utf8), to: archive)
        let error = fetchError { try extract() }
        guard case .corruptArchive(archive, _)? = error else { return XCTFail("\(String(describing: error))") }
    }
}

/// The `FetchError` that `body` throws; fails the test if it throws nothing or something else.
func fetchError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> FetchError? {
    do {
        _ = try body()
        XCTFail("expected a FetchError, got success", file: file, line: line)
    } catch let error as FetchError {
        return error
    } catch {
        XCTFail("expected a FetchError, got \(error)", file: file, line: line)
    }
    return nil
}

func assertMessage(
    _ error: FetchError?, contains parts: [String], file: StaticString = #filePath, line: UInt = #line
) {
    guard let message = error?.description else { return }
    for part in parts where !message.contains(part) {
        XCTFail("message does not contain \"\(part)\":\n\(message)", file: file, line: line)
    }
}
