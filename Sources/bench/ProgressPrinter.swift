import Dispatch
import Experiments
import Foundation
import Glibc

/// Progress on stderr: a bar with ETA redrawn in place when stderr is a terminal, plain
/// lines (one per task) when it is a file or a pipe.
final class ProgressPrinter {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var runStart = DispatchTime.now()
    private var lastDraw = DispatchTime.now()
    private var lastTask = -1

    func handle(_ event: RunEvent) {
        switch event {
        case let .started(index, total, spec):
            runStart = .now()
            lastTask = -1
            write("[\(index + 1)/\(total)] \(spec.runID)\n")
        case let .progress(_, task, tasks, iteration, iterations):
            let fraction = (Double(task) + Double(iteration) / Double(max(iterations, 1))) / Double(max(tasks, 1))
            if isTerminal {
                let now = DispatchTime.now()
                guard iteration == iterations || elapsed(lastDraw, now) > 0.1 else { return }
                lastDraw = now
                let spent = elapsed(runStart, now)
                let eta = fraction > 0 ? spent * (1 - fraction) / fraction : 0
                let width = 30
                let filled = Int(fraction * Double(width))
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                write("\r  [\(bar)] task \(task + 1)/\(tasks)  \(Int(fraction * 100))%  ETA \(clock(eta))   ")
            } else if iteration == iterations && task != lastTask {
                lastTask = task
                write("  task \(task + 1)/\(tasks) trained (\(clock(elapsed(runStart, .now()))))\n")
            }
        case let .finished(_, _, _, record, file):
            if isTerminal { write("\r\u{1B}[K") }
            let bwt = record.bwt.map { String(format: "%.3f", $0) } ?? "n/a"
            write("  done in \(clock(record.totalSeconds)): ACC \(String(format: "%.3f", record.acc)) BWT \(bwt) -> \(file.path)\n")
        case let .skipped(index, total, spec, file, reason):
            write("[\(index + 1)/\(total)] \(spec.runID): skipped, \(reason) (\(file.path))\n")
        }
    }

    private func elapsed(_ a: DispatchTime, _ b: DispatchTime) -> Double {
        Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
