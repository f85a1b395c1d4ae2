import ArgumentParser
import Experiments
import Foundation
import Storage

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Where each planned run stands in an output folder: finished, MISMATCH, checkpointed, partial or not started.",
        discussion: """
            finished: a complete run file with the planned config (resume skips it). MISMATCH: a run file \
            with another config (`bench run` stops; see --dry-run). checkpointed (task k of T, step s): \
            a checkpoint .NAME.h5.checkpoint that `bench run` resumes from (its config and code version are \
            checked when the run resumes). partial: a temporary .NAME.h5.partial-PID \
            file, a write in flight or left by a killed process. not started: none of these.
            """)

    @OptionGroup var selection: PlanSelection
    private var out: String { selection.out }

    @OptionGroup var location: LocationOptions

    func run() throws {
        let plan = try selection.plan(location)
        let directory = URL(fileURLWithPath: out)
        let runner = Runner(outputDirectory: directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let partials = names.filter(RunFile.isPartial)

        var rows: [(run: String, status: String)] = []
        var counts: [String: Int] = [:]
        for spec in plan {
            let status = self.status(
                of: spec, decision: runner.decision(for: spec), runner: runner, directory: directory,
                partials: partials)
            counts[status.label, default: 0] += 1
            rows.append((spec.runID, status.label + (status.detail.isEmpty ? "" : "  " + status.detail)))
        }
        let width = rows.map(\.run.count).max() ?? 0
        print("RUN".padding(toLength: width, withPad: " ", startingAt: 0) + "  STATUS")
        for row in rows { print(row.run.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + row.status) }
        let totals = ["finished", "MISMATCH", "checkpointed", "partial", "not started"].compactMap { key in
            counts[key].map { "\($0) \(key)" }
        }
        print("\(plan.count) runs: " + totals.joined(separator: ", "))
    }

    /// The status word of one run and what backs it (a file name, differences).
    private func status(
        of spec: RunSpec, decision: ResumeDecision, runner: Runner, directory: URL,
        partials: [String]
    ) -> (label: String, detail: String) {
        switch decision {
        case .skipComplete: return ("finished", "")
        case .configMismatch(let differences): return ("MISMATCH", differences.joined(separator: "; "))
        case .run: break
        }
        // the temporary names a write of this run uses: RunFile.partialURL with any process id
        let ownName = RunFile.partialURL(for: directory.appendingPathComponent(spec.outputFileName)).lastPathComponent
        let prefix = String(ownName.dropLast(String(getpid()).count))
        let mine = partials.filter { $0.hasPrefix(prefix) }
        if !mine.isEmpty {
            return ("partial", mine.joined(separator: ", ") + " (a write in flight, or stale if its process is gone)")
        }
        let checkpoint = runner.checkpointURL(for: spec)
        if FileManager.default.fileExists(atPath: checkpoint.path) {
            do {
                let attributes = try CheckpointFile.readAttributes(checkpoint)
                guard let position = CheckpointPosition(attributes) else {
                    return ("checkpointed", "(position unreadable)")
                }
                // another config or code version: `bench run` here would refuse it (--force starts over)
                let problems = runner.checkpointProblems(for: spec)
                guard problems.isEmpty else {
                    return ("checkpointed", "(\(position)) UNUSABLE here: " + problems.joined(separator: "; "))
                }
                return ("checkpointed", "(\(position))")
            } catch {
                return ("checkpointed", "UNUSABLE: \(error)")
            }
        }
        return ("not started", "")
    }
}
