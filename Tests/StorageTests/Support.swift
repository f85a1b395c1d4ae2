import Foundation
import Metrics
import Storage
import XCTest

/// A fresh empty folder under the system temporary directory.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("gembench-storage-\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `python3 -c script args...`; returns exit status and the two output streams.
func runPython(_ script: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
}

/// A run of 3 tasks with hand-chosen numbers:
/// R = [[0.9, 0.1, 0.2], [0.8, 0.85, 0.15], [0.7, 0.75, 0.95]], b = [0.1, 0.12, 0.08]
/// ACC = (0.7 + 0.75 + 0.95) / 3 = 0.8
/// BWT = ((0.7 - 0.9) + (0.75 - 0.85)) / 2 = -0.15
/// FWT = ((0.1 - 0.12) + (0.15 - 0.08)) / 2 = 0.025
func sampleRecord(seed: Int = 0, withMemory: Bool = true) -> RunRecord {
    var permutation = (0..<784).map { Int32($0) }
    permutation.reverse()
    // > 64 KiB: chunked
    let parameters: [Float] = (0..<78500).map { (i: Int) -> Float in Float(i % 97) * Float(0.01) - Float(0.3) }
    let tasks = TaskDefinitions(
        scenario: "domain-incremental",
        tasks: [
            TaskDefinition(permutation: (0..<784).map { Int32($0) }),
            TaskDefinition(permutation: permutation, angle: 45.5),
            TaskDefinition(classes: [4, 5]),
        ])
    let matrix: [[Double]] = [[0.9, 0.1, 0.2], [0.8, 0.85, 0.15], [0.7, 0.75, 0.95]]
    let loss: [Float] = [2.3, 1.5, 0.75, 0.5, 0.25, 0.125]
    let diagnostics: [String: [Float]] = [
        "gem_violations": [0, 0, 1, 0, 2, 1], "gem_binding_constraints": [0, 0, 1, 0, 1, 1],
    ]
    let layout = [
        LayerLayoutEntry(name: "fc1.weight", shape: [100, 784], offset: 0, count: 78400),
        LayerLayoutEntry(name: "fc1.bias", shape: [100], offset: 78400, count: 100),
    ]
    let memory: EpisodicMemoryRecord? =
        withMemory
        ? EpisodicMemoryRecord(inputs: [0, 0.5, 1, 0.25, 0.75, 1], featureCount: 3, labels: [7, 3], tasks: [0, 1]) : nil
    let checksums = [
        "train-images-idx3-ubyte": String(repeating: "ab", count: 32),
        "t10k-labels-idx1-ubyte": String(repeating: "0f", count: 32),
    ]
    return RunRecord(
        experiment: "permuted-mnist", strategy: "gem", seed: seed, benchmark: "permuted-mnist",
        configYAML: "optimizer:\n  lr: 0.1\nstrategy:\n  name: gem   # ünïcode ok\n",
        configAttributes: ["optimizer.lr": "0.1", "strategy.name": "gem", "gem.memory_strength": "0.5"],
        gembenchVersion: "0.1.0", gitCommit: "abc123", machine: "Test CPU · 2 cores · 1 BLAS threads",
        created: "2026-11-28T08:40:55Z",
        datasetChecksums: checksums,
        tasks: tasks,
        accuracyMatrix: matrix,
        randomInitAccuracy: [0.1, 0.12, 0.08],
        // forgetting = ((0.9 − 0.7) + (0.85 − 0.75)) / 2; BWT and FWT sums −0.3 and 0.05 over T = 3
        metrics: ContinualMetrics(
            acc: 0.8, bwt: -0.15, fwt: 0.025, forgetting: 0.15, bwtOverAllTasks: -0.1, fwtOverAllTasks: 0.05 / 3),
        stepLoss: loss,
        stepTask: [0, 0, 1, 1, 2, 2],
        diagnostics: diagnostics,
        taskTrainSeconds: [1.5, 2.25, 3.0], taskEvalSeconds: [0.5, 0.5, 0.25], totalSeconds: 8.5,
        parameters: parameters,
        layerLayout: layout, memory: memory)
}
