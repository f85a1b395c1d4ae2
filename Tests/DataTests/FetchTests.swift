import Foundation
import XCTest

@testable import Data

/// `bench fetch` end to end against loopback_server.py on 127.0.0.1, serving synthetic archives
/// of the real format (make_fixtures.py) with test-only digests and record counts.
final class FetchTests: XCTestCase {
    var served = ""  // what the server serves
    var data = ""  // the data folder fetched into
    let archiveName = "cifar-10-binary.tar.gz"

    override func setUpWithError() throws {
        served = try Fixture.temporaryDirectory(self)
        data = try Fixture.temporaryDirectory(self) + "/data"
    }

    /// A synthetic CIFAR-10 archive in `served`, and its manifest.
    @discardableResult
    func makeArchive(_ options: [String] = []) throws -> CIFARFixture.Manifest {
        try CIFARFixture.make(["cifar10", "--archive", served + "/" + archiveName] + options)
    }

    func fetcher(
        _ manifest: CIFARFixture.Manifest, _ server: LoopbackServer, md5: String? = nil,
        size: Int64?? = .none, attempts: Int = 3
    ) -> DatasetFetcher {
        let format = CIFARFixture.format(.cifar10, md5: manifest.files)
        let source = FetchSource.cifar(
            format, folder: format.dataset.archiveFolderName!, url: server.url(archiveName), md5: md5 ?? manifest.md5!,
            size: size ?? manifest.size)
        var fetcher = DatasetFetcher(name: .cifar10, source: source) { try readCIFARDataset(format, from: $0) }
        fetcher.attempts = attempts
        fetcher.retryDelay = 0
        fetcher.timeout = 10
        return fetcher
    }

    func contents(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func testFetchDownloadsVerifiesAndInstallsLeavingNothingElse() throws {
        let manifest = try makeArchive()
        let server = try LoopbackServer(root: served, test: self)
        let events = EventLog()
        let report = try fetcher(manifest, server).fetch(into: data, events: events.record)
        XCTAssertEqual(report.destination, data + "/cifar10")
        XCTAssertTrue(report.installed)
        XCTAssertEqual([report.dataset.train.count, report.dataset.test.count], [15, 2])
        XCTAssertEqual(report.dataset.directory, data + "/cifar10")
        XCTAssertEqual(contents(data), ["cifar10"], "no .part, archive, staging or temporary folder left")
        XCTAssertEqual(contents(data + "/cifar10"), manifest.files.keys.sorted())
        XCTAssertEqual(server.requests, ["GET /\(archiveName) range=-"])
        XCTAssertTrue(
            events.messages.contains("MD5 of \(archiveName) is \(manifest.md5!), as published"), "\(events.messages)")
        XCTAssertTrue(
            events.messages.contains { $0.hasPrefix("downloaded \(server.url(archiveName)): \(manifest.size!) bytes") })
        XCTAssertEqual(events.lastProgress, manifest.size)
        // What was installed is what a run finds.
        XCTAssertEqual(try DatasetLocator.locate(.cifar10, explicitDirectory: data), data + "/cifar10")

        // A second fetch finds the verified copy and downloads nothing.
        let again = EventLog()
        XCTAssertFalse(try fetcher(manifest, server).fetch(into: data, events: again.record).installed)
        XCTAssertEqual(server.requests.count, 1)
        XCTAssertTrue(again.messages.contains { $0.contains("already in \(data)/cifar10 and verified") })
    }

    func testConnectionDroppedHalfwayIsResumedWithARangeRequest() throws {
        let manifest = try makeArchive()
        let half = manifest.size! / 2
        let server = try LoopbackServer(root: served, options: ["--drop-after", String(half)], test: self)
        let events = EventLog()
        let report = try fetcher(manifest, server).fetch(into: data, events: events.record)
        XCTAssertEqual(report.dataset.train.labels.count, 15)
        XCTAssertEqual(server.requests, ["GET /\(archiveName) range=-", "GET /\(archiveName) range=bytes=\(half)-"])
        XCTAssertTrue(events.messages.contains { $0.contains("at byte \(half); retrying (attempt 2 of 3)") })
        XCTAssertTrue(events.messages.contains { $0.contains("(resumed at byte \(half))") })
        XCTAssertEqual(contents(data), ["cifar10"])
    }

    func testABrokenDownloadIsKeptAndTheNextRunResumesIt() throws {
        let manifest = try makeArchive()
        let half = manifest.size! / 2
        let server = try LoopbackServer(root: served, options: ["--drop-after", String(half)], test: self)
        let part = data + "/.fetch-cifar10/\(archiveName).part"
        let error = fetchError { try fetcher(manifest, server, attempts: 1).fetch(into: data) { _ in } }
        guard case .network(server.url(archiveName), _, part, half)? = error else {
            return XCTFail("\(String(describing: error))")
        }
        assertMessage(
            error, contains: ["broke off after \(half) bytes", part, "run the same bench fetch again to resume"])
        XCTAssertEqual(contents(data), [".fetch-cifar10"], "no dataset folder for a broken download")
        XCTAssertEqual(contents(data + "/.fetch-cifar10"), ["\(archiveName).part"])

        _ = try fetcher(manifest, server, attempts: 1).fetch(into: data) { _ in }
        XCTAssertEqual(server.requests.last, "GET /\(archiveName) range=bytes=\(half)-")
        XCTAssertEqual(contents(data), ["cifar10"])
    }

    func testServerIgnoringTheRangeIsReadFromTheStart() throws {
        let manifest = try makeArchive()
        let server = try LoopbackServer(root: served, options: ["--drop-after", "700", "--ignore-range"], test: self)
        let report = try fetcher(manifest, server).fetch(into: data) { _ in }
        XCTAssertEqual(server.requests.last, "GET /\(archiveName) range=bytes=700-")  // answered 200, whole file
        XCTAssertEqual(report.dataset.test.count, 2)
    }

    func testWrongChecksumDeletesTheDownloadAndInstallsNothing() throws {
        let manifest = try makeArchive()
        let server = try LoopbackServer(root: served, test: self)
        let wrong = String(repeating: "0", count: 32)
        let error = fetchError { try fetcher(manifest, server, md5: wrong).fetch(into: data) { _ in } }
        XCTAssertEqual(error, .checksumMismatch(url: server.url(archiveName), got: manifest.md5!, expected: wrong))
        assertMessage(
            error,
            contains: [
                "Checksum mismatch for the download of \(server.url(archiveName))",
                "MD5 is \(manifest.md5!)", "expected \(wrong)", "nothing was extracted",
            ])
        XCTAssertEqual(contents(data), [], "the wrong file is deleted and the empty staging folder removed")
    }

    func testTruncatedDownloadIsCaughtByThePublishedSize() throws {
        let full = try makeArchive()
        try makeArchive(["--truncate", String(full.size! - 100)])  // the server now has a short file
        let server = try LoopbackServer(root: served, test: self)
        let error = fetchError { try fetcher(full, server).fetch(into: data) { _ in } }
        XCTAssertEqual(
            error,
            .wrongDownloadSize(
                url: server.url(archiveName),
                path: data + "/.fetch-cifar10/\(archiveName).part",
                got: full.size! - 100, expected: full.size!))
        XCTAssertEqual(contents(data), [])
    }

    func testTruncatedArchiveWithMatchingDigestFailsToUnpackAndInstallsNothing() throws {
        let full = try makeArchive()
        let truncated = try makeArchive(["--truncate", String(full.size! / 2)])
        let server = try LoopbackServer(root: served, test: self)
        let error = fetchError {
            try fetcher(full, server, md5: truncated.md5!, size: truncated.size).fetch(into: data) { _ in }
        }
        guard case .corruptArchive(data + "/.fetch-cifar10/\(archiveName)", _)? = error else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(
            contents(data), [".fetch-cifar10"], "no dataset or temporary folder; the verified download stays")
    }

    func testArchiveWithAnUnexpectedMemberInstallsNothing() throws {
        let manifest = try makeArchive(["--extra", "evil.sh"])
        let server = try LoopbackServer(root: served, test: self)
        let error = fetchError { try fetcher(manifest, server).fetch(into: data) { _ in } }
        guard case .unexpectedMember(_, "cifar-10-batches-bin/evil.sh", _)? = error else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(contents(data), [".fetch-cifar10"])
        XCTAssertFalse(contents(data).contains { $0.contains("partial") })
    }

    func testHTTPErrorNamesTheURLAndStatus() throws {
        let manifest = try makeArchive()
        try FileManager.default.removeItem(atPath: served + "/" + archiveName)
        let server = try LoopbackServer(root: served, test: self)
        let error = fetchError { try fetcher(manifest, server).fetch(into: data) { _ in } }
        XCTAssertEqual(error, .httpStatus(url: server.url(archiveName), status: 404))
        assertMessage(error, contains: ["\(server.url(archiveName)) answered HTTP 404"])
        XCTAssertEqual(contents(data), [], "an empty .part and its staging folder are removed")
    }

    func testAnInvalidCopyInPlaceIsLeftAlone() throws {
        let manifest = try makeArchive()
        let server = try LoopbackServer(root: served, test: self)
        try FileManager.default.createDirectory(atPath: data + "/cifar10", withIntermediateDirectories: true)
        try Fixture.write([1, 2, 3], to: data + "/cifar10/data_batch_1.bin")
        let error = fetchError { try fetcher(manifest, server).fetch(into: data) { _ in } }
        assertMessage(
            error,
            contains: [
                "\(data)/cifar10 exists but is not a valid copy",
                "Wrong size for CIFAR-10 file \(data)/cifar10/data_batch_1.bin", "Remove or rename",
            ])
        XCTAssertEqual(contents(data + "/cifar10"), ["data_batch_1.bin"])
        XCTAssertEqual(server.requests, [])
    }

    func testFashionMNISTFilesAreDownloadedCheckedAndInstalled() throws {
        let manifest = try CIFARFixture.make(["fashion-mnist", "--dir", served])
        let server = try LoopbackServer(root: served, test: self)
        let downloads = DatasetFiles().all.map {
            FetchSource.Download(url: server.url($0), fileName: $0, md5: manifest.files[$0]!, size: nil)
        }
        let fetcher = DatasetFetcher(name: .fashionMNIST, source: FetchSource(downloads: downloads, contents: .files)) {
            try readIDXDataset(.fashionMNIST, from: $0, builtInDigests: [:])  // synthetic, not Zalando's bytes
        }
        let report = try fetcher.fetch(into: data) { _ in }
        XCTAssertEqual(report.dataset.train.labels, [7, 8, 9])
        XCTAssertEqual(report.dataset.test.pixels, Array(100..<108))
        XCTAssertEqual(contents(data), ["fashion-mnist"])
        XCTAssertEqual(contents(data + "/fashion-mnist"), DatasetFiles().all.sorted())
        XCTAssertEqual(server.requests.count, 4)
    }

    func testOfficialSources() throws {
        XCTAssertEqual(
            FetchSource.official(.cifar10)?.downloads,
            [
                .init(
                    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", fileName: archiveName,
                    md5: "c32a1d4ab5d03f1284b67883e8d87530", size: 170_052_171)
            ])
        XCTAssertEqual(
            FetchSource.official(.cifar100)?.downloads,
            [
                .init(
                    url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                    fileName: "cifar-100-binary.tar.gz", md5: "03b5dce01913d631647c71ecec9e9cb8",
                    size: 168_513_733)
            ])
        XCTAssertEqual(
            FetchSource.official(.fashionMNIST)?.downloads.map(\.url).first,
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz")
        XCTAssertEqual(fetchError { try DatasetFetcher(.mnist) }, .notFetchable(.mnist))
        assertMessage(
            fetchError { try DatasetFetcher(.mnist) },
            contains: ["ships in Data/mnist", "fashion-mnist, cifar10, cifar100"])
    }

    func testFetchDirectoryFollowsTheLocatorsOrder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let env = [DatasetLocator.environmentVariable: "/env"]
        XCTAssertEqual(
            try DatasetLocator.fetchDirectory(explicitDirectory: "d", environment: env, currentDirectory: "/w")
                .directory, "/w/d")
        XCTAssertEqual(try DatasetLocator.fetchDirectory(environment: env, currentDirectory: "/w").directory, "/env")
        XCTAssertEqual(
            try DatasetLocator.fetchDirectory(
                environment: [:], currentDirectory: root + "/Sources",
                executablePath: nil
            ).directory, root + "/Data")
        XCTAssertEqual(
            fetchError {
                try DatasetLocator.fetchDirectory(
                    environment: [:], currentDirectory: "/proc",
                    executablePath: nil)
            },
            .noDataDirectory(currentDirectory: "/proc"))
    }
}

/// Collects a fetch's events (they arrive on URLSession's queue).
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var progress: Int64?

    var record: @Sendable (FetchEvent) -> Void {
        { [self] event in
            lock.withLock {
                switch event {
                case .message(let text): lines.append(text)
                case .progress(_, let received, _): progress = received
                }
            }
        }
    }

    var messages: [String] { lock.withLock { lines } }
    var lastProgress: Int64? { lock.withLock { progress } }
}

final class FetchSourceTests: XCTestCase {
    func testAMirrorKeepsTheFileNamesAndThePublishedDigests() throws {
        let official = FetchSource.official(.fashionMNIST)!
        let mirrored = official.mirrored(at: "http://127.0.0.1:8000/copies/")
        XCTAssertEqual(mirrored.downloads.map(\.url), DatasetFiles().all.map { "http://127.0.0.1:8000/copies/" + $0 })
        XCTAssertEqual(mirrored.downloads.map(\.md5), official.downloads.map(\.md5))
        XCTAssertEqual(mirrored.contents, official.contents)
    }
}

final class FetchErrorMessageTests: XCTestCase {
    func testMessagesNameWhatFailedAndWhatToDo() {
        assertMessage(
            FetchError.noDataDirectory(currentDirectory: "/proc"),
            contains: ["no --data-dir, no GEMBENCH_DATA_DIR", "above /proc", "Pass --data-dir <dir>"])
        assertMessage(
            FetchError.network(
                url: "http://h/a.tgz", reason: "Could not resolve host: h",
                partPath: "/d/a.tgz.part", received: 0),
            contains: [
                "Download of http://h/a.tgz failed: Could not resolve host: h",
                "Run bench fetch again once the host can be reached",
            ])
        assertMessage(
            FetchError.wrongDownloadSize(url: "http://h/a.tgz", path: "/d/a.tgz.part", got: 5, expected: 9),
            contains: ["http://h/a.tgz has the wrong size: got 5 bytes, expected 9", "/d/a.tgz.part was deleted"])
        assertMessage(
            FetchError.fileSystem(path: "/d/x", action: "create the folder", reason: "Permission denied"),
            contains: ["Cannot create the folder /d/x: Permission denied"])
    }
}
