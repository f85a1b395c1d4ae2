import Benchmarks
import Data
import Dispatch
import Foundation
import Learning
import Storage
import Strategies

/// The project version written into every run file.
public let gembenchVersion = "0.1.0"

/// What the runner reports while it works (the CLI turns these into progress output).
public enum RunEvent {
    case started(index: Int, total: Int, spec: RunSpec)
    case progress(spec: RunSpec, task: Int, tasks: Int, iteration: Int, iterations: Int)
    case finished(index: Int, total: Int, spec: RunSpec, record: RunRecord, file: URL)
    case skipped(index: Int, total: Int, spec: RunSpec, file: URL, reason: String)
}

/// Runs a plan: for each run, resume or train, then write its HDF5 file atomically.
public final class Runner {
    public let outputDirectory: URL
    public let dataDirectory: String?
    public let threads: Int
    public let force: Bool
    /// Checked between iterations; when it turns true the run in flight is abandoned.
    public var shouldStop: () -> Bool = { false }

    private var cachedStream: (key: String, stream: TaskStream)?

    public init(outputDirectory: URL, dataDirectory: String? = nil, threads: Int = 2, force: Bool = false) {
        self.outputDirectory = outputDirectory
        self.dataDirectory = dataDirectory
        self.threads = threads
        self.force = force
    }

    /// What to do with `spec` given the file already in the output folder, if any.
    public func decision(for spec: RunSpec) -> ResumeDecision {
        let file = outputDirectory.appendingPathComponent(spec.outputFileName)
        guard FileManager.default.fileExists(atPath: file.path), !force else { return .run }
        do {
            return resumeDecision(for: spec, existingConfigYAML: try RunFile.read(file).configYAML)
        } catch {
            return .configMismatch(["the existing file cannot be read: \(error)"])
        }
    }

    /// Runs every spec of `plan` in order; returns the records of runs finished now or earlier.
    /// Before anything trains, every existing file whose config differs from the plan (or
    /// that cannot be read) is reported as an error, unless `force` is set.
    public func execute(_ plan: [RunSpec], events: @escaping (RunEvent) -> Void) throws -> [RunRecord] {
        let decisions = plan.map(decision)
        let conflicts = zip(plan, decisions).compactMap { spec, decision -> String? in
            guard case let .configMismatch(differences) = decision else { return nil }
            return outputDirectory.appendingPathComponent(spec.outputFileName).path + ":\n    "
                + differences.joined(separator: "\n    ")
        }
        guard conflicts.isEmpty else { throw RunnerError.conflictingFiles(conflicts) }
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        var records: [RunRecord] = []
        for (index, spec) in plan.enumerated() {
            let file = outputDirectory.appendingPathComponent(spec.outputFileName)
            switch decisions[index] {
            case .skipComplete:
                events(.skipped(index: index, total: plan.count, spec: spec, file: file, reason: "complete run with the same config"))
                records.append(try RunFile.read(file))
                continue
            case .configMismatch:
                preconditionFailure("conflicts were reported above")
            case .run:
                break
            }
            events(.started(index: index, total: plan.count, spec: spec))
            let record = try self.record(for: spec) { task, tasks, done, total in
                events(.progress(spec: spec, task: task, tasks: tasks, iteration: done, iterations: total))
            }
            try RunFile.write(record, to: file, overwrite: force)
            events(.finished(index: index, total: plan.count, spec: spec, record: record, file: file))
            records.append(record)
        }
        return records
    }

    /// Trains one run and assembles its record (nothing is written).
    public func record(for spec: RunSpec, progress: ProgressHandler? = nil) throws -> RunRecord {
        let start = DispatchTime.now()
        let dataset = try loadDataset(spec.benchmark.dataset, directory: dataDirectory)
        let stream = self.stream(spec, dataset)
        let result = try RunBuilder.train(spec, stream: stream, threads: threads, progress: progress,
                                          shouldStop: shouldStop)
        let metrics = result.metrics
        let total = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return RunRecord(
            experiment: spec.experiment, strategy: spec.strategy, seed: spec.seed, benchmark: stream.name,
            configYAML: spec.canonicalYAML, configAttributes: spec.flattenedConfig,
            gembenchVersion: gembenchVersion, gitCommit: Self.gitCommit, machine: machine,
            datasetChecksums: dataset.checksums,
            tasks: TaskDefinitions(scenario: stream.scenario.rawValue, tasks: stream.tasks.map {
                TaskDefinition(permutation: $0.permutation, angle: $0.angle, classes: $0.classes.map(Int32.init))
            }),
            accuracyMatrix: result.accuracy, randomInitAccuracy: result.randomInitAccuracy,
            acc: metrics.averageAccuracy, bwt: metrics.backwardTransfer, fwt: metrics.forwardTransfer,
            stepLoss: result.stepLoss, stepTask: result.stepTask, diagnostics: result.diagnostics,
            taskTrainSeconds: result.taskTrainSeconds, taskEvalSeconds: result.taskEvalSeconds, totalSeconds: total,
            parameters: result.parameters,
            layerLayout: result.layout.map { LayerLayoutEntry(name: $0.name, shape: $0.shape, offset: $0.offset, count: $0.count) },
            memory: result.episodicMemory.map {
                EpisodicMemoryRecord(inputs: $0.inputs, featureCount: $0.width, labels: $0.labels, tasks: $0.tasks)
            })
    }

    /// Runs of one experiment and seed share their task stream: build it once.
    private func stream(_ spec: RunSpec, _ dataset: LoadedDataset) -> TaskStream {
        let key = "\(spec.benchmark)|\(spec.seed)|\(dataset.directory)"
        if let cached = cachedStream, cached.key == key { return cached.stream }
        let stream = RunBuilder.stream(spec.benchmark, dataset: dataset, seed: spec.seed)
        cachedStream = (key, stream)
        return stream
    }

    /// CPU model, cores and BLAS threads: what timings and bit-identity depend on.
    var machine: String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        return "\(model) · \(ProcessInfo.processInfo.activeProcessorCount) cores · \(threads) BLAS threads"
    }

    /// The commit of the checkout the tool runs from, "-dirty" if it has local changes,
    /// or "unknown" outside a git checkout.
    public static let gitCommit: String = {
        guard let root = DatasetLocator.packageRoot(searchingUpFrom: FileManager.default.currentDirectoryPath),
              let head = git(["rev-parse", "HEAD"], in: root)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !head.isEmpty
        else { return "unknown" }
        let dirty = git(["status", "--porcelain", "--untracked-files=no"], in: root)?.isEmpty == false
        return head + (dirty ? "-dirty" : "")
    }()

    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: output, as: UTF8.self) : nil
    }
}

public enum RunnerError: Error, CustomStringConvertible {
    /// Existing run files that the plan would replace: each path with its differences.
    case conflictingFiles([String])

    public var description: String {
        switch self {
        case let .conflictingFiles(files):
            return "\(files.count) existing run file(s) differ from the plan; nothing was run:\n  "
                + files.joined(separator: "\n  ")
                + "\nRerun with --force to replace them, or choose another --out folder."
        }
    }
}
