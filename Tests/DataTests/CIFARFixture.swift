@testable import Data
import Foundation
import XCTest

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

    /// Runs make_fixtures.py with `arguments` and decodes its manifest.
    @discardableResult
    static func make(_ arguments: [String]) throws -> Manifest {
        let output = try runPython([fixtures + "/make_fixtures.py"] + arguments)
        return try JSONDecoder().decode(Manifest.self, from: Foundation.Data(output.utf8))
    }

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
            throw NSError(domain: "python", code: Int(process.terminationStatus),
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
