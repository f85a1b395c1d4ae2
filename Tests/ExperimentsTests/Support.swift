import Foundation
import Learning
import Strategies
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
enum LoadOutcome {
    case success(Registry)
    case failure([String])
}

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
    case .failure(let lines): return lines
    }
}

func loaded(_ files: [String: String], file: StaticString = #filePath, line: UInt = #line) throws -> Registry {
    switch try loadRegistry(files) {
    case .success(let registry): return registry
    case .failure(let lines):
        XCTFail("unexpected errors:\n" + lines.joined(separator: "\n"), file: file, line: line)
        throw RegistryError([])
    }
}

/// A valid single-experiment file; `body` lines are appended under the experiment.
func experimentFile(name: String = "e", _ body: String) -> String {
    "experiments:\n  \(name):\n"
        + body.split(separator: "\n", omittingEmptySubsequences: false)
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

// The methods as tests name them; unspecified parameters take the strategy's declared defaults.
extension MethodSpec {
    static var naive: MethodSpec { MethodSpec("naive")! }
    static var joint: MethodSpec { MethodSpec("joint")! }
    static var multimodal: MethodSpec { MethodSpec("multimodal")! }
    static func replay(memorySize: Int) -> MethodSpec { MethodSpec("replay", ["memory_size": .int(memorySize)])! }
    static func independent(warmStart: Bool) -> MethodSpec {
        MethodSpec("independent", ["warm_start": .bool(warmStart)])!
    }
    static func agem(patternsPerExperience: Int, sampleSize: Int) -> MethodSpec {
        MethodSpec("agem", ["patterns_per_experience": .int(patternsPerExperience), "sample_size": .int(sampleSize)])!
    }
    static func ewc(patternsPerExperience: Int, lambda: Double, fisher: EWC.FisherEstimate? = nil) -> MethodSpec {
        var given: [String: ParameterValue] = [
            "patterns_per_experience": .int(patternsPerExperience), "lambda": .double(lambda),
        ]
        if let fisher { given["fisher"] = .choice(fisher.rawValue) }
        return MethodSpec("ewc", given)!
    }
    static func gem(
        patternsPerExperience: Int, memoryStrength: Double, memorySelection: MemorySelection,
        referenceGradients: GEMPlugin.ReferenceGradientMode? = nil, sparseFirstLayer: Bool? = nil
    ) -> MethodSpec {
        var given: [String: ParameterValue] = [
            "patterns_per_experience": .int(patternsPerExperience),
            "memory_strength": .double(memoryStrength),
            "memory_selection": .choice(memorySelection.rawValue),
        ]
        if let referenceGradients { given["reference_gradients"] = .choice(referenceGradients.rawValue) }
        if let sparseFirstLayer { given["sparse_first_layer"] = .bool(sparseFirstLayer) }
        return MethodSpec("gem", given)!
    }
}

extension ModelSpec {
    init(hidden: [Int]) { self = .mlp(hidden: hidden) }
}

/// The events of a run's event log (`<run>.events.jsonl` in `folder`), parsed by Foundation's JSON reader.
func eventLog(of runID: String, in folder: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: folder.appendingPathComponent(runID + ".events.jsonl"), encoding: .utf8)
    return try text.split(separator: "\n").map {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
}
