import Foundation
import XCTest

@testable import Data

/// Synthetic CIFAR data made by Tests/DataFixtures/make_fixtures.py (Python's tarfile, gzip and
/// hashlib), and the formulas its docstring states, recomputed here to check what the reader returns.
enum CIFARFixture {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DataFixtures").path

    struct Manifest: Decodable {
        let files: [String: String]
        let sha256: [String: String]?
        let md5: String?
        let size: Int64?
    }

    /// Runs make_fixtures.py with `arguments` and decodes its manifest. Outputs are made once per
    /// set of options and copied to where each test asks (Python's start-up is most of the cost).
    @discardableResult
    static func make(_ arguments: [String]) throws -> Manifest {
        var options = arguments
        var targets: [(flag: String, path: String)] = []
        for flag in ["--dir", "--archive"] {
            if let i = options.firstIndex(of: flag) {
                targets.append((flag, options[i + 1]))
                options.removeSubrange(i...(i + 1))
            }
        }
        let key = options.joined(separator: " ")
        let made = try cache.lock.withLock { () throws -> (Manifest, String) in
            if let hit = cache.entries[key] { return hit }
            if cache.entries.isEmpty {
                atexit { try? FileManager.default.removeItem(atPath: CIFARFixture.cacheFolder) }
            }
            let folder = cacheFolder + "/\(cache.entries.count)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var run = options
            for (flag, _) in targets { run += [flag, folder + (flag == "--dir" ? "/dir" : "/archive.tar.gz")] }
            if !targets.contains(where: { $0.flag == "--dir" }) { run += ["--dir", folder + "/dir"] }
            if !targets.contains(where: { $0.flag == "--archive" }) && options.first != "fashion-mnist" {
                run += ["--archive", folder + "/archive.tar.gz"]
            }
            let output = try runPython([fixtures + "/make_fixtures.py"] + run)
            let entry = (try JSONDecoder().decode(Manifest.self, from: Foundation.Data(output.utf8)), folder)
            cache.entries[key] = entry
            return entry
        }
        let fm = FileManager.default
        for (flag, path) in targets {
            if flag == "--archive" {
                try? fm.removeItem(atPath: path)
                try fm.copyItem(atPath: made.1 + "/archive.tar.gz", toPath: path)
            } else {
                try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
                for name in try fm.contentsOfDirectory(atPath: made.1 + "/dir") {
                    try? fm.removeItem(atPath: path + "/" + name)
                    try fm.copyItem(atPath: made.1 + "/dir/" + name, toPath: path + "/" + name)
                }
            }
        }
        return made.0
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var entries: [String: (Manifest, String)] = [:]
    }
    private static let cache = Cache()
    static var cacheFolder: String { NSTemporaryDirectory() + "gembench-fixture-cache-\(getpid())" }

    static func runPython(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(
                domain: "python", code: Int(process.terminationStatus),
                userInfo: [NSLocalizedDescriptionKey: "python3 \(arguments) failed"])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The official layout with `train` records per training file and `test` in the test file,
    /// and the MD5s of the synthetic files (so only the record counts differ from the real thing).
    static func format(_ name: DatasetName, train: Int = 3, test: Int = 2, md5: [String: String]) -> CIFARFormat {
        var format = CIFARFormat.official(name)!
        format.recordsPerTrainFile = train
        format.testRecords = test
        format.md5 = md5.filter { format.fileNames.contains($0.key) }
        return format
    }

    /// The pixel make_fixtures.py writes for record `g`, channel `c`, row `y`, column `x`.
    static func pixel(_ g: Int, _ c: Int, _ y: Int, _ x: Int) -> UInt8 { UInt8((7 * g + 13 * c + 3 * y + x) % 256) }

    /// The global record numbers (1000 × file + record) of a set read from `files` records each.
    static func recordNumbers(files: Range<Int>, records: Int) -> [Int] {
        files.flatMap { f in (0..<records).map { 1000 * f + $0 } }
    }
}
