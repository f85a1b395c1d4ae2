import Dispatch
import Experiments
import Foundation
import Glibc
import Strategies

/// Progress on stderr, at any `--jobs`. Every run's status has the same fields: task k/T, step,
/// the mean loss of its last `lossWindow` minibatches, the accuracy of its last row of R (mean
/// over the tasks trained so far), elapsed time and ETA; the plan's ETA is the cost estimate
/// corrected by the progress measured (`PlanProgress`).
/// - On a terminal: one status line per run in flight and a plan line, redrawn in place below
///   the lines that stay (run started, finished, checkpointed).
/// - In a log (stderr not a terminal, e.g. a SLURM job): a line per task, and for each run in
///   flight a heartbeat line when it has printed nothing for `heartbeat` seconds.
/// It reads what the runner reports; it never changes a run.
final class ProgressPrinter: @unchecked Sendable {
    static let lossWindow = 50

    /// What the status line of a run in flight shows.
    private struct Job {
        let id: String
        let start: Double
        var lastLine: Double
        var experience: Int?
        var experiences = 0
        var done = 0
        var steps = 0
        var evaluating = false
        /// Between the end of an experience (its row of R) and the start of the next.
        var ended = false
        var losses = [Float](repeating: 0, count: ProgressPrinter.lossWindow)
        var lossCount = 0
        var accuracy: Double?

        mutating func add(loss: Float) {
            losses[lossCount % losses.count] = loss
            lossCount += 1
        }

        var meanLoss: Double? {
            let n = min(lossCount, losses.count)
            return n == 0 ? nil : losses[..<n].reduce(0) { $0 + Double($1) } / Double(n)
        }
    }

    private let lock = NSLock()
    private let terminal: Bool
    private let heartbeat: Double
    private let planStart = now()
    private var plan: PlanProgress
    private let runIDs: [String]  // by plan index, as `.planned` names runs
    private var jobs: [Job] = []  // in flight, in the order they started
    private var drawnLines = 0
    private var timer: DispatchSourceTimer?

    /// `heartbeat`: seconds between a quiet run's status lines in a log.
    init(plan: [RunSpec], jobs: Int, heartbeat: Double, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.plan = PlanProgress(plan: plan, jobs: jobs)
        runIDs = plan.map(\.runID)
        self.heartbeat = heartbeat
        self.terminal = terminal
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let interval = terminal ? 0.25 : min(1, heartbeat / 2)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        self.timer = timer
    }

    /// Stops the display; on a terminal, clears the status lines.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        timer?.cancel()
        timer = nil
        if terminal { write(clearBlock()) }
        drawnLines = 0
    }

    func handle(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .planned(let indices):
            plan.planned(indices.map { runIDs[$0] })
        case .started(let index, let total, let spec):
            let time = now()
            plan.started(spec.runID, at: time)
            jobs.append(Job(id: spec.runID, start: time, lastLine: time))
            show("[\(index + 1)/\(total)] \(spec.runID)")
        case .training(let runID, let progress):
            guard let j = jobs.firstIndex(where: { $0.id == runID }) else { return }
            update(&jobs[j], with: progress)
            // every step is counted in the job; the plan learns the last one when a line is made
            if case .step = progress { return }
            plan.update(runID, with: progress, at: now())
            if !terminal, case .experienceEvaluated = progress {
                let time = now()
                jobs[j].lastLine = time
                show("  " + status(jobs[j], at: time, taskEnded: true) + "; " + planStatus(at: time))
            }
        case .finished(_, _, let spec, let record, let file):
            end(spec)
            let bwt = record.metrics.bwt.map { String(format: "%.3f", $0) } ?? "n/a"
            show(
                "  \(spec.runID) done in \(Self.clock(record.totalSeconds)): ACC \(String(format: "%.3f", record.metrics.acc)) "
                    + "BWT \(bwt) -> \(file.path)")
        case .failed(_, _, let spec, let reason):
            end(spec)
            show("  FAILED \(reason); no file written")
        case .skipped(let index, let total, let spec, let file, let reason):
            end(spec)
            show("[\(index + 1)/\(total)] \(spec.runID): skipped, \(reason) (\(file.path))")
        case .resumed(let spec, let position):
            show("  resuming \(spec.runID) from its checkpoint: \(position)")
        case .checkpointed(let spec, let file, let position):
            end(spec)
            show("  \(spec.runID): checkpointed at \(position) -> \(file.path)")
        case .removedStalePartial(let file):
            show("removed \(file.path): temporary file of a run whose process is gone")
        case .eventLogFailed(let spec, let file, let reason):
            show("  \(spec.runID): its event log stops here (\(file.path): \(reason)); the run goes on")
        }
    }

    private func update(_ job: inout Job, with progress: TrainingProgress) {
        switch progress {
        case .randomInitEvaluated, .curveEvaluated:
            break
        case .experienceStarted(let experience, let experiences, let done, let steps):
            (job.experience, job.experiences, job.done, job.steps) = (experience, experiences, done, steps)
            (job.evaluating, job.ended) = (false, false)
            job.lossCount = 0
        case .step(_, _, let done, let steps, _, let loss):
            job.done = done
            job.add(loss: loss)
            job.evaluating = done == steps
        case .experienceEvaluated(let experience, let experiences, let accuracy, _, _):
            (job.evaluating, job.ended) = (false, true)
            job.accuracy = Self.accuracySoFar(accuracy, experience: experience, experiences: experiences)
        }
    }

    /// Mean accuracy over the tasks trained so far (the whole row when one experience holds every
    /// task, as joint training's).
    static func accuracySoFar(_ row: [Double], experience: Int, experiences: Int) -> Double {
        let seen = row.count == experiences ? Array(row[...min(experience, row.count - 1)]) : row
        return seen.reduce(0, +) / Double(max(seen.count, 1))
    }

    private func end(_ spec: RunSpec) {
        plan.ended(spec.runID, at: now())
        jobs.removeAll { $0.id == spec.runID }
    }

    /// In a log `RUN: task 2/5, step 120/6000, loss 0.412, acc 0.873, 1m02s elapsed, ETA 31s`; on a
    /// terminal, where width is short, `RUN  task 2/5  step 120/6000  loss 0.412  acc 0.873  1m02s  ETA 31s`.
    private func status(_ job: Job, at time: Double, taskEnded: Bool = false) -> String {
        var fields: [String] = []
        if let experience = job.experience {
            syncSteps(job)
            fields.append("task \(experience + 1)/\(job.experiences)" + (taskEnded ? " trained" : ""))
            fields.append("step \(job.done)/\(job.steps)" + (job.evaluating ? " evaluating" : ""))
        } else {
            fields.append("preparing")
        }
        fields.append("loss " + (job.meanLoss.map { String(format: "%.3f", $0) } ?? "-"))
        fields.append("acc " + (job.accuracy.map { String(format: "%.3f", $0) } ?? "-"))
        fields.append(Self.clock(time - job.start) + (terminal ? "" : " elapsed"))
        fields.append("ETA " + (plan.remaining(job.id, at: time).map(Self.clock) ?? "-"))
        return terminal
            ? job.id + "  " + fields.joined(separator: "  ")
            : job.id + ": " + fields.joined(separator: ", ")
    }

    /// Tells the plan the steps done in the experience under way (it does not see every step).
    private func syncSteps(_ job: Job) {
        if job.experience != nil && !job.ended { plan.stepsDone(job.id, job.done) }
    }

    /// `plan 12/52 runs done, 2 training, ETA 3m10s` (`~` and "estimated" before any measurement).
    private func planStatus(at time: Double) -> String {
        jobs.forEach(syncSteps)
        let counts = plan.counts
        let total = counts.ended + counts.inFlight + counts.queued
        let (seconds, measured) = plan.planRemaining(at: time)
        return "plan \(counts.ended)/\(total) runs done, \(counts.inFlight) training, "
            + "\(Self.clock(time - planStart)) elapsed, ETA "
            + (measured ? Self.clock(seconds) : "~\(Self.clock(seconds)) (estimated)")
    }

    /// The timer: on a terminal, redraw the status lines; in a log, the heartbeats due.
    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        guard timer != nil else { return }
        let time = now()
        if terminal {
            write(clearBlock() + block(at: time))
            return
        }
        for j in jobs.indices where time - jobs[j].lastLine >= heartbeat {
            jobs[j].lastLine = time
            write("  " + status(jobs[j], at: time) + "; " + planStatus(at: time) + " (heartbeat)\n")
        }
    }

    /// A line that stays; on a terminal, above the status lines, which are drawn again below it.
    private func show(_ line: String) {
        write(terminal ? clearBlock() + line + "\n" + block(at: now()) : line + "\n")
    }

    /// The status lines on a terminal, each cut to its width (a wrapped line would break the redraw).
    private func block(at time: Double) -> String {
        guard !jobs.isEmpty else {
            drawnLines = 0
            return ""
        }
        let width = max(20, Self.terminalWidth() - 1)
        let lines = jobs.map { "  " + status($0, at: time) } + ["  " + planStatus(at: time)]
        drawnLines = lines.count
        return lines.map { String($0.prefix(width)) + "\n" }.joined()
    }

    /// Moves up over the status lines drawn last and clears to the end of the screen.
    private func clearBlock() -> String {
        guard drawnLines > 0 else { return "" }
        defer { drawnLines = 0 }
        return "\u{1B}[\(drawnLines)A\r\u{1B}[J"
    }

    private static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) } ?? 100
    }

    /// `#` for the done part of a bar of `width` characters, `-` for the rest (`bench fetch`'s).
    static func bar(_ fraction: Double, width: Int = 30) -> String {
        let filled = min(width, max(0, Int(fraction * Double(width))))
        return String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    }

    /// `42s`, `3m05s`, `2h07m`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" }
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Seconds on a monotonic clock.
private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
