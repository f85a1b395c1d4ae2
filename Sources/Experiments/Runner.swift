import Benchmarks
import BuildStamp
import Data
import Dispatch
import Evaluation
import Foundation
import Learning
import Metrics
import Storage
import Strategies

/// The project version written into every run file.
public let gembenchVersion = "0.1.0"

/// What the runner reports while it works (the CLI turns these into progress output).
public enum RunEvent {
    /// Before anything trains: the plan indices that will train (the others are complete runs, skipped).
    case planned(toTrain: [Int])
    case started(index: Int, total: Int, spec: RunSpec)
    /// What the training loop of the run `runID` reports (`TrainingProgress`: steps with their
    /// loss, rows of R); sent at every step, so it carries the id, not the spec.
    case training(runID: String, TrainingProgress)
    case finished(index: Int, total: Int, spec: RunSpec, record: RunRecord, file: URL)
    case skipped(index: Int, total: Int, spec: RunSpec, file: URL, reason: String)
    /// The run diverged (non-finite loss or parameters): no file was written, the others go on.
    case failed(index: Int, total: Int, spec: RunSpec, reason: String)
    /// A temporary file of a write whose process is gone (a killed run) was removed.
    case removedStalePartial(file: URL)
    /// The run goes on from its checkpoint.
    case resumed(spec: RunSpec, from: CheckpointPosition)
    /// The run stopped at a checkpoint (on request) and is not finished.
    case checkpointed(spec: RunSpec, file: URL, at: CheckpointPosition)
    /// The run's event log could not be written further (a full disk); the run goes on.
    case eventLogFailed(spec: RunSpec, file: URL, reason: String)
}

/// Runs a plan: for each run, resume or train, then write its HDF5 file atomically.
public final class Runner {
    public let outputDirectory: URL
    public let dataDirectory: String?
    public let threads: Int
    public let force: Bool
    /// Checked between iterations; when it turns true the run in flight is abandoned (its last
    /// checkpoint, from the end of a task, stays).
    public var shouldStop: () -> Bool = { false }
    /// Checked between iterations; when it turns true every run in flight writes a checkpoint
    /// and stops, no other run starts, and `execute` throws `RunnerError.checkpointed`.
    public var shouldCheckpoint: () -> Bool = { false }
    /// Whether other runs train in this process at the same time (`execute` with several jobs):
    /// then a run's peak RSS is the process's, not its own (`PeakMemory`).
    var sharesProcess = false

    public init(outputDirectory: URL, dataDirectory: String? = nil, threads: Int = 2, force: Bool = false) {
        self.outputDirectory = outputDirectory
        self.dataDirectory = dataDirectory
        self.threads = threads
        self.force = force
        // pinned now (and the commit): edits made while the plan trains must not mark its runs dirty
        _ = Self.codeVersion
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

    /// Runs every spec of `plan`, `jobs` at a time; returns the records of runs finished now
    /// or earlier, in plan order. Before anything trains, every existing file whose config
    /// differs from the plan (or that cannot be read) is reported as an error, unless `force`
    /// is set, and so is an output folder that cannot take the run files; temporary files
    /// of killed runs are removed. With several jobs, `events` is called from several threads.
    public func execute(
        _ plan: [RunSpec], jobs: Int = 1,
        events: @escaping @Sendable (RunEvent) -> Void
    ) throws -> [RunRecord] {
        let decisions = plan.map(decision)
        let conflicts = zip(plan, decisions).compactMap { spec, decision -> String? in
            guard case .configMismatch(let differences) = decision else { return nil }
            return outputDirectory.appendingPathComponent(spec.outputFileName).path + ":\n    "
                + differences.joined(separator: "\n    ")
        }
        guard conflicts.isEmpty else { throw RunnerError.conflictingFiles(conflicts) }
        // a checkpoint of another config or code version is never resumed, nor silently replaced
        let toTrain = zip(plan, decisions).filter { $0.1 == .run }.map(\.0)
        if force {
            for spec in toTrain { try CheckpointFile.remove(checkpointURL(for: spec)) }
        }
        let refused = toTrain.compactMap { spec -> String? in
            let problems = checkpointProblems(for: spec)
            return problems.isEmpty
                ? nil : checkpointURL(for: spec).path + ":\n    " + problems.joined(separator: "\n    ")
        }
        guard refused.isEmpty else { throw RunnerError.unusableCheckpoints(refused) }
        let missing = missingDatasets(for: toTrain, dataDirectory: dataDirectory)
        guard missing.isEmpty else { throw RunnerError.missingDatasets(missing) }
        try OutputFolder.prepare(outputDirectory, fileNames: plan.map(\.outputFileName))
        for name in (try? RunFile.removeStalePartials(in: outputDirectory)) ?? [] {
            events(.removedStalePartial(file: outputDirectory.appendingPathComponent(name)))
        }
        events(.planned(toTrain: plan.indices.filter { decisions[$0] == .run }))
        let queue = WorkQueue(order: Self.trainingOrder(plan))
        StreamCache.shared.keep(atLeast: jobs)
        // each job has its own runner; they share the queue and the process-wide dataset and stream caches
        let workers = (0..<max(1, min(jobs, plan.count))).map { _ in
            let worker = Runner(
                outputDirectory: outputDirectory, dataDirectory: dataDirectory, threads: threads, force: force)
            worker.shouldStop = { [shouldStop] in shouldStop() || queue.failed }
            worker.shouldCheckpoint = shouldCheckpoint
            worker.sharesProcess = jobs > 1 && plan.count > 1
            return worker
        }
        let work = { @Sendable (worker: Runner) in
            while !worker.shouldCheckpoint(), let index = queue.next() {
                do {
                    queue.finish(
                        index,
                        with: try worker.complete(
                            plan[index], decisions[index], index: index,
                            total: plan.count, events: events))
                } catch let checkpointed as TrainingCheckpointed {
                    queue.record(checkpointed: "\(plan[index].runID) (\(checkpointed))")
                } catch let diverged as TrainingDiverged {
                    let reason = "\(plan[index].runID): \(diverged)"
                    events(.failed(index: index, total: plan.count, spec: plan[index], reason: reason))
                    queue.record(failure: reason)
                } catch {
                    queue.fail(error)
                }
            }
        }
        if workers.count == 1 {
            work(workers[0])
        } else {
            let box = UncheckedSendable(workers)
            DispatchQueue.concurrentPerform(iterations: workers.count) { work(box.value[$0]) }
        }
        if let error = queue.error { throw error }
        let records = queue.records
        if shouldCheckpoint() && records.count < plan.count {
            throw RunnerError.checkpointed(
                queue.checkpointed,
                notStarted: plan.count - records.count - queue.checkpointed.count
                    - queue.failures.count, finished: records)
        }
        let failures = queue.failures
        guard failures.isEmpty else { throw RunnerError.runsFailed(failures, finished: queue.records) }
        return queue.records
    }

    /// The order jobs take the plan's runs in: longest first, so that no job is left alone with
    /// a long run at the end, and the runs of one task stream (benchmark and seed) side by side,
    /// so that the stream cache builds each stream once (a rotated stream takes seconds): groups
    /// by their longest run, then each group's runs by their own estimate.
    static func trainingOrder(_ plan: [RunSpec]) -> [Int] {
        let seconds = plan.map(\.estimatedCost.seconds)
        let group = plan.map { "\($0.benchmark)|\($0.seed)" }
        var longest: [String: Double] = [:]
        for (key, cost) in zip(group, seconds) { longest[key] = max(longest[key] ?? 0, cost) }
        return plan.indices.sorted { a, b in
            if group[a] != group[b] { return (longest[group[a]]!, group[b]) > (longest[group[b]]!, group[a]) }
            return (seconds[a], b) > (seconds[b], a)
        }
    }

    /// Skips or trains one planned run and writes its file.
    private func complete(
        _ spec: RunSpec, _ decision: ResumeDecision, index: Int, total: Int,
        events: @escaping (RunEvent) -> Void
    ) throws -> RunRecord {
        let file = outputDirectory.appendingPathComponent(spec.outputFileName)
        guard decision == .run else {
            events(
                .skipped(
                    index: index, total: total, spec: spec, file: file, reason: "complete run with the same config"))
            return try RunFile.read(file)
        }
        // another `bench run` on this folder may have finished it since the plan was made
        if let finished = try finishedElsewhere(spec, file) {
            events(
                .skipped(
                    index: index, total: total, spec: spec, file: file, reason: "finished meanwhile by another process")
            )
            return finished
        }
        events(.started(index: index, total: total, spec: spec))
        // a checkpoint here passed `checkpointProblems` in `execute`: the run resumes from it
        let log = try RunEventLog(
            for: spec, in: outputDirectory,
            resuming: FileManager.default.fileExists(atPath: checkpointURL(for: spec).path))
        var logFailureReported = false
        let runID = spec.runID
        let watched = { (event: RunEvent) in
            if case .resumed(_, let position) = event { log.resumed(from: position) }
            events(event)
        }
        do {
            let record = try self.record(for: spec, checkpoints: true, events: watched) { progress in
                log.record(progress)
                if let reason = log.failure, !logFailureReported {
                    logFailureReported = true
                    events(.eventLogFailed(spec: spec, file: log.url, reason: reason))
                }
                events(.training(runID: runID, progress))
            }
            do {
                try RunFile.write(record, to: file, overwrite: force)
            } catch RunFileError.alreadyExists {
                // ... or while this one trained: the same config trains to the same numbers
                guard let finished = try finishedElsewhere(spec, file) else {
                    throw RunFileError.alreadyExists(path: file.path)
                }
                try CheckpointFile.remove(checkpointURL(for: spec))
                log.finished(finished, file: file)
                events(
                    .skipped(
                        index: index, total: total, spec: spec, file: file,
                        reason: "finished meanwhile by another process (its file is kept)"))
                return finished
            }
            try CheckpointFile.remove(checkpointURL(for: spec))  // finished runs keep no checkpoint
            log.finished(record, file: file)
            events(.finished(index: index, total: total, spec: spec, record: record, file: file))
            return record
        } catch {
            log.stopped(RunEventLog.status(of: error), reason: "\(error)")
            throw error
        }
    }

    /// The run in `file` if one appeared there with the config of `spec` (never with `force`);
    /// a file with another config is a conflict.
    private func finishedElsewhere(_ spec: RunSpec, _ file: URL) throws -> RunRecord? {
        guard !force, FileManager.default.fileExists(atPath: file.path) else { return nil }
        switch decision(for: spec) {
        case .run: return nil
        case .skipComplete: return try RunFile.read(file)
        case .configMismatch(let differences):
            throw RunnerError.conflictingFiles([
                file.path + " (written by another process meanwhile):\n    "
                    + differences.joined(separator: "\n    ")
            ])
        }
    }

    /// Where the last `record(for:)` spent its time (nil after a resumed run: its training began
    /// in another process).
    public private(set) var lastPhases: RunPhases?

    /// Trains one run and assembles its record. Nothing is written, except with `checkpoints`:
    /// then a run with a checkpoint (see `checkpointProblems`) goes on from it (its timings add
    /// up both processes'), and a checkpoint is written after each task and when
    /// `shouldCheckpoint` turns true (then `TrainingCheckpointed` is thrown).
    public func record(
        for spec: RunSpec, checkpoints: Bool = false, events: ((RunEvent) -> Void)? = nil,
        progress: ProgressHandler? = nil
    ) throws -> RunRecord {
        let start = DispatchTime.now()
        let peakScope = PeakMemory.begin(alone: !sharesProcess)
        let dataset = try loadDataset(spec.benchmark.dataset, directory: dataDirectory)
        let loaded = DispatchTime.now()
        let stream = self.stream(spec, dataset)
        let built = DispatchTime.now()
        let trainer = try RunBuilder.trainer(spec, stream: stream, threads: threads)
        let saved = checkpoints ? try readCheckpoint(of: spec) : nil
        if let saved { events?(.resumed(spec: spec, from: saved.position)) }
        let secondsBefore = saved?.totalSeconds ?? 0
        let elapsed = { secondsBefore + Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        trainer.shouldStop = shouldStop
        if checkpoints {
            trainer.shouldCheckpoint = shouldCheckpoint
            trainer.checkpointSink = { [unowned self] checkpoint in
                try self.write(checkpoint, of: spec, totalSeconds: elapsed())
            }
        }
        let result: TrainingResult
        do {
            result = try trainer.run(progress: progress, resumingFrom: saved?.state)
        } catch let stop as TrainingCheckpointed {
            let at = CheckpointPosition(task: stop.experience + 1, tasks: stop.experiences, step: stop.step)
            events?(.checkpointed(spec: spec, file: checkpointURL(for: spec), at: at))
            throw stop
        } catch let error as SavedStateError {
            throw CheckpointFileError(path: checkpointURL(for: spec).path, reason: "cannot be resumed: \(error)")
        }
        let metrics = result.metrics
        let total = elapsed()
        let training = result.taskTrainSeconds.reduce(0, +)
        lastPhases =
            saved != nil
            ? nil
            : RunPhases(
                load: seconds(start, loaded), buildStream: seconds(loaded, built),
                train: training, evaluate: seconds(built, DispatchTime.now()) - training)
        var record = RunRecord(
            experiment: spec.experiment, strategy: spec.strategy, seed: spec.seed, benchmark: stream.name,
            configYAML: spec.canonicalYAML, configAttributes: spec.flattenedConfig,
            gembenchVersion: gembenchVersion, gitCommit: Self.gitCommit, machine: machine,
            datasetChecksums: dataset.checksums,
            tasks: TaskDefinitions(
                scenario: stream.scenario.rawValue,
                tasks: stream.tasks.map {
                    TaskDefinition(permutation: $0.permutation, angle: $0.angle, classes: $0.classes.map(Int32.init))
                }),
            accuracyMatrix: result.accuracy, randomInitAccuracy: result.randomInitAccuracy,
            metrics: metrics,
            stepLoss: result.stepLoss, stepTask: result.stepTask, diagnostics: result.diagnostics,
            taskTrainSeconds: result.taskTrainSeconds, taskEvalSeconds: result.taskEvalSeconds, totalSeconds: total,
            parameters: result.parameters,
            layerLayout: result.layout.map {
                LayerLayoutEntry(name: $0.name, shape: $0.shape, offset: $0.offset, count: $0.count)
            },
            memory: result.episodicMemory.map {
                EpisodicMemoryRecord(inputs: $0.inputs, featureCount: $0.width, labels: $0.labels, tasks: $0.tasks)
            })
        (record.kernelPath, record.kernelsVersion) = (Kernels.path, Kernels.version)
        (record.peakRSSBytes, record.peakRSSScope) = (PeakMemory.peakBytes(), peakScope.rawValue)
        (record.curve, record.curveStep, record.earlyAccuracy) = (result.curve, result.curveStep, result.earlyAccuracy)
        record.metrics.lca = ContinualMetrics.learningCurveArea(result.earlyAccuracy)
        record.layerState = result.state
        record.stateLayout = result.stateLayout.map {
            LayerLayoutEntry(name: $0.name, shape: $0.shape, offset: $0.offset, count: $0.count)
        }
        return record
    }

    /// Runs of one benchmark and seed share their task stream, across jobs too: build it once.
    private func stream(_ spec: RunSpec, _ dataset: LoadedDataset) -> TaskStream {
        StreamCache.shared.stream("\(spec.benchmark)|\(spec.seed)|\(dataset.directory)") {
            RunBuilder.stream(spec.benchmark, dataset: dataset, seed: spec.seed)
        }
    }

    /// CPU model, cores and lanes: what timings depend on (results do not depend on the lanes).
    var machine: String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        return "\(model) · \(ProcessInfo.processInfo.activeProcessorCount) cores · \(threads) lanes"
    }

    /// The commit this binary was built from, "-dirty" if its code had local changes, or
    /// "unknown" when built outside a git checkout (`BuildInfo`, stamped at build time: a binary
    /// run from another folder, or after a `git pull` without a rebuild, still names its own).
    public static let gitCommit: String = BuildInfo.gitCommit
}

public enum RunnerError: Error, CustomStringConvertible {
    /// Existing run files that the plan would replace: each path with its differences.
    case conflictingFiles([String])
    /// Runs that diverged (each with its reason); `finished` holds the records of the others.
    case runsFailed([String], finished: [RunRecord])
    /// Checkpoints that cannot be resumed: each path with its reasons.
    case unusableCheckpoints([String])
    /// Datasets the runs to train need and the data folder lacks (`missingDatasets`).
    case missingDatasets([String])
    /// Stopped on request: the runs that wrote a checkpoint (run id and place), the number never
    /// started, and the records of the finished ones.
    case checkpointed([String], notStarted: Int, finished: [RunRecord])

    public var description: String {
        switch self {
        case .conflictingFiles(let files):
            return "\(files.count) existing run file(s) differ from the plan; nothing was run:\n  "
                + files.joined(separator: "\n  ")
                + "\nRerun with --force to replace them, or choose another --out folder."
        case .runsFailed(let reasons, let finished):
            return "\(reasons.count) run(s) failed and wrote no file (\(finished.count) finished):\n  "
                + reasons.joined(separator: "\n  ")
        case .unusableCheckpoints(let files):
            return "\(files.count) checkpoint(s) cannot be resumed; nothing was run:\n  "
                + files.joined(separator: "\n  ")
                + "\nRerun with --force to delete them and start those runs over."
        case .missingDatasets(let problems):
            return problems.joined(separator: "\n") + "\nNothing was run."
        case .checkpointed(let runs, let notStarted, let finished):
            return
                "stopped on request: \(runs.count) run(s) checkpointed, \(notStarted) not started, \(finished.count) finished"
                + (runs.isEmpty ? "" : ":\n  " + runs.joined(separator: "\n  "))
                + "\nRun the same command again to resume."
        }
    }
}

/// Hands out plan indices to jobs in a given order and collects their records and the first error.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let order: [Int]
    private var nextIndex = 0
    private var results: [RunRecord?]
    private(set) var error: Error?
    private var failedRuns: [String] = []

    init(order: [Int]) {
        self.order = order
        results = Array(repeating: nil, count: order.count)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// The next index to run, or nil when all are handed out or a job has failed.
    func next() -> Int? {
        locked {
            guard error == nil, nextIndex < order.count else { return nil }
            defer { nextIndex += 1 }
            return order[nextIndex]
        }
    }

    func finish(_ index: Int, with record: RunRecord) { locked { results[index] = record } }

    /// Keeps the first error; the other jobs stop at their next iteration.
    func fail(_ error: Error) { locked { if self.error == nil { self.error = error } } }

    var failed: Bool { locked { error != nil } }

    /// A run that failed by itself (diverged): the others go on.
    func record(failure: String) { locked { failedRuns.append(failure) } }

    var failures: [String] { locked { failedRuns } }

    private var checkpointedRuns: [String] = []
    /// A run that stopped at a checkpoint on request.
    func record(checkpointed run: String) { locked { checkpointedRuns.append(run) } }
    var checkpointed: [String] { locked { checkpointedRuns } }

    var records: [RunRecord] { locked { results.compactMap { $0 } } }
}

/// Moves a value into `concurrentPerform`, whose jobs each use a different element.
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The phases of one run: loading and verifying the dataset (nothing when the process has it
/// already), building the task stream (nothing when cached), training, and evaluating (every
/// accuracy, including the random-initialisation row and any curves; also the model's build
/// and the per-task checkpoints, which are not training).
public struct RunPhases: Sendable {
    public var load: Double, buildStream: Double, train: Double, evaluate: Double
}

private func seconds(_ from: DispatchTime, _ to: DispatchTime) -> Double {
    Double(to.uptimeNanoseconds - from.uptimeNanoseconds) / 1e9
}
