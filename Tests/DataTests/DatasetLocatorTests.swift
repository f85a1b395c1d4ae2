import Data
import Foundation
import XCTest

final class DatasetLocatorTests: XCTestCase {
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testPackageRootIsFoundByWalkingUpToTheGEMBenchManifest() {
        XCTAssertEqual(DatasetLocator.packageRoot(searchingUpFrom: packageRoot + "/Sources/Data"), packageRoot)
        XCTAssertNil(DatasetLocator.packageRoot(searchingUpFrom: "/proc/self"))
    }

    func testExplicitDirectoryBeatsTheEnvironmentWhichBeatsTheDefaults() {
        let env = [DatasetLocator.environmentVariable: "/env"]
        XCTAssertEqual(
            DatasetLocator.candidates(
                for: .mnist, explicitDirectory: "/cli", environment: env,
                currentDirectory: packageRoot, executablePath: nil
            ).map(\.directory),
            ["/cli/mnist", "/cli"])
        XCTAssertEqual(
            DatasetLocator.candidates(
                for: .fashionMNIST, environment: env, currentDirectory: packageRoot,
                executablePath: nil
            ).map(\.directory),
            ["/env/fashion-mnist", "/env"])
        XCTAssertEqual(
            DatasetLocator.candidates(
                for: .mnist, environment: [:], currentDirectory: "/",
                executablePath: packageRoot + "/.build/debug/bench"
            ).map(\.directory),
            [packageRoot + "/Data/mnist"])
        XCTAssertEqual(
            DatasetLocator.candidates(
                for: .fashionMNIST, environment: [:], currentDirectory: packageRoot,
                executablePath: nil
            ).map(\.directory),
            [packageRoot + "/Data/fashion-mnist", "/usr/share/datasets/fashion-mnist"])
    }

    func testRelativeDirectoriesResolveAgainstTheCurrentDirectory() {
        XCTAssertEqual(
            DatasetLocator.candidates(
                for: .mnist, explicitDirectory: "data/", environment: [:],
                currentDirectory: "/home/u", executablePath: nil
            ).map(\.directory),
            ["/home/u/data/mnist", "/home/u/data"])
    }

    func testEnvironmentDirectoryWithSubfoldersOrFilesDirectly() throws {
        let base = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: base + "/mnist", withIntermediateDirectories: true)
        try Fixture.writeTinyDataset(in: base + "/mnist")
        let env = [DatasetLocator.environmentVariable: base]
        XCTAssertEqual(try DatasetLocator.locate(.mnist, environment: env), base + "/mnist")

        let flat = try Fixture.temporaryDirectory(self)
        try Fixture.writeTinyDataset(in: flat)
        XCTAssertEqual(
            try DatasetLocator.locate(.fashionMNIST, environment: [DatasetLocator.environmentVariable: flat]),
            flat)
    }

    func testAMistypedEnvironmentDirectoryIsAnErrorNotASilentFallback() {
        let error = datasetError {
            try DatasetLocator.locate(
                .mnist, environment: [DatasetLocator.environmentVariable: "/nonexistent/x"],
                currentDirectory: packageRoot)
        }
        XCTAssertEqual(
            error,
            .missingFile(
                path: "/nonexistent/x/mnist/train-images-idx3-ubyte.gz", dataset: .mnist,
                searched: ["/nonexistent/x/mnist", "/nonexistent/x"]))
    }

    func testNoPackageRootAndNoDirectoryExplainsWhatWasSearched() {
        let error = datasetError {
            try DatasetLocator.locate(
                .mnist, environment: [:], currentDirectory: "/tmp", executablePath: "/usr/bin/bench")
        }
        assertMessage(
            error,
            contains: [
                "/tmp/Data/mnist/train-images-idx3-ubyte.gz", "no GEMBench Package.swift",
                "/usr/bin", "--data-dir", "GEMBENCH_DATA_DIR",
            ])
    }
}

final class DatasetCacheTests: XCTestCase {
    func testConcurrentFirstCallsLoadOnce() throws {
        let directory = try Fixture.temporaryDirectory(self)
        try Fixture.writeTinyDataset(in: directory)
        let cache = DatasetCache()
        let loads = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let set = try? cache.dataset(.mnist, in: directory) {
                loads.increment()
                Thread.sleep(forTimeInterval: 0.05)
                let train = try ImageSet.read(
                    imagesAt: directory + "/train-images-idx3-ubyte.gz",
                    labelsAt: directory + "/train-labels-idx1-ubyte.gz")
                return LoadedDataset(name: .mnist, train: train, test: train, checksums: [:], directory: directory)
            }
            XCTAssertEqual(set?.train.labels, [7, 8, 9])
        }
        XCTAssertEqual(loads.value, 1)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

final class BuildOnceCacheTests: XCTestCase {
    /// A build that throws leaves nothing behind: the next caller builds again.
    func testFailedBuildIsNotKept() throws {
        struct Failure: Error {}
        let cache = BuildOnceCache<Int>()
        var builds = 0
        XCTAssertThrowsError(
            try cache.value("a") {
                builds += 1
                throw Failure()
            })
        XCTAssertEqual(
            try cache.value("a") {
                builds += 1
                return 7
            }, 7)
        XCTAssertEqual(
            try cache.value("a") {
                builds += 1
                return 8
            }, 7)
        XCTAssertEqual(builds, 2)
        cache.removeAll()
        XCTAssertEqual(
            try cache.value("a") {
                builds += 1
                return 9
            }, 9)
    }
}
