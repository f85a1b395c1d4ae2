import Dispatch
import Experiments
import Foundation
import Glibc

/// Progress on stderr: a bar with ETA redrawn in place when stderr is a terminal and one
/// run trains at a time; plain lines (one per task, naming the run) otherwise.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let drawsBar: Bool
    private var runStart: [String: DispatchTime] = [:]
    private var lastDraw = DispatchTime.now()
    private var lastTask: [String: Int] = [:]

    init(concurrent: Bool) {
        drawsBar = isatty(STDERR_FILENO) == 1 && !concurrent
    }

    func handle(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .started(index, total, spec):
            runStart[spec.runID] = .now()
            write("[\(index + 1)/\(total)] \(spec.runID)\n")
        case let .progress(spec, task, tasks, iteration, iterations):
            let start = runStart[spec.runID] ?? .now()
            let fraction = (Double(task) + Double(iteration) / Double(max(iterations, 1))) / Double(max(tasks, 1))
            if drawsBar {
                let now = DispatchTime.now()
                guard iteration == iterations || elapsed(lastDraw, now) > 0.1 else { return }
                lastDraw = now
                let spent = elapsed(start, now)
                let eta = fraction > 0 ? spent * (1 - fraction) / fraction : 0
                write("\r  [\(Self.bar(fraction))] task \(task + 1)/\(tasks)  \(Int(fraction * 100))%  ETA \(Self.clock(eta))   ")
            } else if iteration == iterations && lastTask[spec.runID] != task {
                lastTask[spec.runID] = task
                write("  \(spec.runID): task \(task + 1)/\(tasks) trained (\(Self.clock(elapsed(start, .now()))))\n")
            }
        case let .finished(_, _, spec, record, file):
            if drawsBar { write("\r\u{1B}[K") }
            let bwt = record.bwt.map { String(format: "%.3f", $0) } ?? "n/a"
            write("  \(spec.runID) done in \(Self.clock(record.totalSeconds)): ACC \(String(format: "%.3f", record.acc)) "
                + "BWT \(bwt) -> \(file.path)\n")
        case let .failed(_, _, _, reason):
            if drawsBar { write("\r\u{1B}[K") }
            write("  FAILED \(reason); no file written\n")
        case let .skipped(index, total, spec, file, reason):
            write("[\(index + 1)/\(total)] \(spec.runID): skipped, \(reason) (\(file.path))\n")
        case let .resumed(spec, position):
            write("  resuming \(spec.runID) from its checkpoint: \(position)\n")
        case let .checkpointed(spec, file, position):
            if drawsBar { write("\r\u{1B}[K") }
            write("  \(spec.runID): checkpointed at \(position) -> \(file.path)\n")
        case let .removedStalePartial(file):
            write("removed \(file.path): temporary file of a run whose process is gone\n")
        }
    }

    private func elapsed(_ a: DispatchTime, _ b: DispatchTime) -> Double {
        Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9
    }

    /// `#` for the done part of a bar of `width` characters, `-` for the rest (also `bench fetch`'s).
    static func bar(_ fraction: Double, width: Int = 30) -> String {
        let filled = min(width, max(0, Int(fraction * Double(width))))
        return String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
