import Foundation
import XCTest
@testable import Experiments

/// Writes `files` (name → YAML text) into a fresh temporary directory and returns its path.
func makeExperimentsDirectory(_ files: [String: String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("experiments-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }
    return dir
}

/// Loads `files` from a temporary directory; returns the registry or the error lines, with the
/// directory replaced by `DIR` so expected messages can be written literally.
enum LoadOutcome { case success(Registry), failure([String]) }

func loadRegistry(_ files: [String: String]) throws -> LoadOutcome {
    let dir = try makeExperimentsDirectory(files)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    do {
        return .success(try Registry.load(directory: dir))
    } catch let error as RegistryError {
        return .failure(error.description.replacingOccurrences(of: dir, with: "DIR").components(separatedBy: "\n"))
    }
}

/// The error lines of loading `files`; fails the test if they load.
func loadErrors(_ files: [String: String], file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
    switch try loadRegistry(files) {
    case .success:
        XCTFail("expected the experiments to be rejected", file: file, line: line)
        return []
    case let .failure(lines): return lines
    }
}

func loaded(_ files: [String: String], file: StaticString = #filePath, line: UInt = #line) throws -> Registry {
    switch try loadRegistry(files) {
    case let .success(registry): return registry
    case let .failure(lines):
        XCTFail("unexpected errors:\n" + lines.joined(separator: "\n"), file: file, line: line)
        throw RegistryError([])
    }
}

/// A valid single-experiment file; `body` lines are appended under the experiment.
func experimentFile(name: String = "e", _ body: String) -> String {
    "experiments:\n  \(name):\n" + body.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n") + "\n"
}

/// Benchmark, optimizer and one strategy, every line indented for `experimentFile`.
let validBody = """
benchmark:
  kind: permuted
  tasks: 3
  samples_per_task: 100
optimizer:
  lr: 0.1
strategies:
  naive: {}
"""

/// The repository's own `Experiments/` directory.
let shippedExperimentsDirectory: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments").path
}()
