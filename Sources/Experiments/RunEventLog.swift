import Foundation
import Glibc
import Storage
import Strategies

// A run's event log: `OUT/<run id>.events.jsonl` beside its run file, one JSON object per line,
// written as the run goes (run start, task start and end with the row of R, the mean loss of
// every `lossEvery` steps, curve rows, run end), so that `tail -f` and a notebook
// (`gembench.read_events`) can follow a run that takes hours. Each line is one write(2) on a
// file opened with O_APPEND, so a reader sees whole lines and at most a torn last one.
// The log reads values the training loop computed anyway; it never changes a run. Layout:
// docs/experiments.md#the-event-log.

/// The event log of one run, written by the runner while it trains that run.
final class RunEventLog {
    /// Steps per `loss` event: each holds the mean of this many step losses (fewer at a task's end).
    static let lossEvery = 100

    let url: URL
    private var descriptor: Int32
    private var lossSum = 0.0
    private var lossSteps = 0
    /// Why writing stopped (a full disk): the run goes on without its log.
    private(set) var failure: String?

    /// Opens the log of `spec` in `directory`: appended to when the run resumes from a
    /// checkpoint (the earlier process's events stay), started afresh otherwise.
    init(for spec: RunSpec, in directory: URL, resuming: Bool) throws {
        url = directory.appendingPathComponent(spec.runID + ".events.jsonl")
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (resuming ? 0 : O_TRUNC), 0o644)
        guard descriptor >= 0 else {
            throw RunEventLogError(path: url.path, reason: String(cString: strerror(errno)))
        }
        let cost = spec.estimatedCost
        write(
            EventLine("run_start")
                .field("run", spec.runID).field("experiment", spec.experiment).field("strategy", spec.strategy)
                .field("seed", Int(spec.seed)).field("tasks", spec.benchmark.tasks)
                .field("estimated_seconds", cost.seconds).field("loss_every", Self.lossEvery)
                .field("resuming", resuming).field("pid", Int(getpid())))
    }

    deinit { close() }

    /// The line of one training event; `loss` lines every `lossEvery` steps and at a task's end.
    func record(_ progress: TrainingProgress) {
        switch progress {
        case .randomInitEvaluated(let accuracy):
            write(EventLine("random_init").field("accuracy", accuracy))
        case .experienceStarted(let experience, let experiences, let done, let steps):
            (lossSum, lossSteps) = (0, 0)
            write(
                EventLine("task_start").field("task", experience).field("tasks", experiences)
                    .field("steps", steps).field("done", done))
        case .step(let experience, _, let done, let steps, let iteration, let loss):
            lossSum += Double(loss)
            lossSteps += 1
            guard done % Self.lossEvery == 0 || done == steps else { return }
            write(
                EventLine("loss").field("task", experience).field("step", done).field("iteration", iteration)
                    .field("loss", lossSum / Double(lossSteps)).field("steps", lossSteps))
            (lossSum, lossSteps) = (0, 0)
        case .curveEvaluated(let iteration, let accuracy):
            write(EventLine("curve").field("iteration", iteration).field("accuracy", accuracy))
        case .experienceEvaluated(let experience, let experiences, let accuracy, let trainSeconds, let evalSeconds):
            write(
                EventLine("task_end").field("task", experience).field("tasks", experiences)
                    .field("accuracy", accuracy).field("train_seconds", trainSeconds).field("eval_seconds", evalSeconds)
            )
        }
    }

    /// A checkpoint resumed (task from 1, as `bench status` prints it).
    func resumed(from position: CheckpointPosition) {
        write(
            EventLine("resume").field("task", position.task - 1).field("tasks", position.tasks)
                .field("step", position.step))
    }

    /// The last line: `finished` with the run's metrics and file, or why the run stopped.
    func finished(_ record: RunRecord, file: URL) {
        var line = EventLine("run_end").field("status", "finished").field("acc", record.metrics.acc)
        if let bwt = record.metrics.bwt { line = line.field("bwt", bwt) }
        if let fwt = record.metrics.fwt { line = line.field("fwt", fwt) }
        write(line.field("total_seconds", record.totalSeconds).field("file", file.path))
        close()
    }

    /// `status`: checkpointed, diverged, interrupted or failed.
    func stopped(_ status: String, reason: String) {
        write(EventLine("run_end").field("status", status).field("reason", reason))
        close()
    }

    /// The `run_end` status of a run that stopped with `error`.
    static func status(of error: Error) -> String {
        switch error {
        case is TrainingCheckpointed: "checkpointed"
        case is TrainingDiverged: "diverged"
        case is TrainingInterrupted: "interrupted"
        default: "failed"
        }
    }

    private func write(_ line: EventLine) {
        guard descriptor >= 0 else { return }
        let bytes = Array(line.text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count {
            failure = written < 0 ? String(cString: strerror(errno)) : "wrote \(written) of \(bytes.count) bytes"
            close()
        }
    }

    private func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }
}

public struct RunEventLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): cannot write the run's event log: \(reason)" }
}

/// One JSON object, its keys in the order added (`event` and `time` first, for a reader's eye).
struct EventLine {
    private var fields: [String]

    init(_ event: String) {
        let time = (Date().timeIntervalSince1970 * 1000).rounded() / 1000  // Unix seconds, to the millisecond
        fields = ["\"event\":" + quoted(event), "\"time\":" + json(time)]
    }

    func field(_ key: String, _ value: Int) -> EventLine { adding(key, String(value)) }
    func field(_ key: String, _ value: Double) -> EventLine { adding(key, json(value)) }
    func field(_ key: String, _ value: Bool) -> EventLine { adding(key, value ? "true" : "false") }
    func field(_ key: String, _ value: String) -> EventLine { adding(key, quoted(value)) }
    func field(_ key: String, _ values: [Double]) -> EventLine {
        adding(key, "[" + values.map(json).joined(separator: ",") + "]")
    }

    var text: String { "{" + fields.joined(separator: ",") + "}\n" }

    private func adding(_ key: String, _ json: String) -> EventLine {
        var line = self
        line.fields.append(quoted(key) + ":" + json)
        return line
    }
}

/// Swift prints a double as the shortest text that reads back to the same bits, which is valid
/// JSON for finite values; JSON has no infinities or NaN.
private func json(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
