import Foundation
import XCTest

/// Tests/DataFixtures/loopback_server.py on 127.0.0.1, stopped when the test ends (and by
/// itself after a minute in any case).
final class LoopbackServer {
    let port: Int
    let logPath: String
    private let process: Process

    /// Serves the files of `root`; `options` are the script's (--drop-after N, --ignore-range, ...).
    init(root: String, options: [String] = [], test: XCTestCase) throws {
        logPath = root + "/requests.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", CIFARFixture.fixtures + "/loopback_server.py", root, "--log", logPath] + options
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let process = self.process
        test.addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
        var line = Foundation.Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // the server died before printing its port
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw NSError(
                domain: "LoopbackServer", code: 1,
                userInfo: [NSLocalizedDescriptionKey: "loopback_server.py printed no port"])
        }
        self.port = port
    }

    func url(_ file: String) -> String { "http://127.0.0.1:\(port)/\(file)" }

    /// One line per request received: "GET /<file> range=<Range header or ->".
    var requests: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
