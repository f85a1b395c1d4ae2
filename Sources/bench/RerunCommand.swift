import ArgumentParser
import Experiments
import Foundation
import Learning
import Storage

struct RerunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Train again from the config stored in a run file and check the result is bit-identical.",
        discussion: """
            Nothing is written. Everything training recomputes is compared bit for bit: the accuracy matrix, b, \
            ACC/BWT/FWT, the task definitions, the per-step loss and diagnostics, the final parameters and the \
            episodic memory (not timings or provenance). The exit status is 0 when all match, 1 otherwise, with \
            one line per part that differs. A run summary (bench summarize) is checked on what it keeps: the \
            accuracy matrix, b, ACC/BWT/FWT, LCA's early accuracies, the tasks and the task of every step.
            """)

    @Argument(help: "A run file or run summary (.h5).")
    var file: String

    @OptionGroup var location: LocationOptions

    func run() throws {
        let stored: RunRecord
        let content: RunFile.Content
        let spec: RunSpec
        do {
            (stored, content) = try RunFile.readStored(URL(fileURLWithPath: file))
            spec = try RunSpec(canonicalYAML: stored.configYAML, source: file)
        } catch {
            throw fail("\(error)")
        }
        printError(
            "rerunning \(spec.runID) (stored: git \(stored.gitCommit), \(stored.created), \(stored.machine), "
                + "\(stored.kernelsDescription))")
        printError("now: git \(Runner.gitCommit), kernels v\(Kernels.version), \(Kernels.path) path")
        // results do not depend on the lanes or the kernel path
        let threads = location.threads ?? location.lanes()
        let runner = Runner(
            outputDirectory: URL(fileURLWithPath: "."), dataDirectory: location.dataDir,
            threads: threads)
        let interruption = Interruption()
        runner.shouldStop = { interruption.isRequested }
        let fresh: RunRecord
        do { fresh = try runner.record(for: spec) } catch { throw fail("\(error)") }
        // a summary keeps no losses, model or memory to compare
        let differences = stored.bitDifferences(from: content == .summary ? fresh.summarized() : fresh)
        print("ACC stored \(stored.metrics.acc), now \(fresh.metrics.acc)")
        if differences.isEmpty {
            print(
                content == .summary
                    ? "bit-identical: accuracy matrix, b, ACC/BWT/FWT, early accuracies, tasks, step tasks, eval_every curves (a run summary keeps no losses, model or memory)"
                    : "bit-identical: accuracy matrix, b, ACC/BWT/FWT, tasks, training curves, diagnostics, parameters, layer state, eval_every curves, memory"
            )
            return
        }
        print("DIFFERENT:")
        for line in differences { print("  " + line) }
        print(reason(stored))
        throw ExitCode.failure
    }

    /// Why the bits may differ: the code or the kernels changed, or (same code) a defect.
    private func reason(_ stored: RunRecord) -> String {
        if stored.kernelsVersion == 0 {
            return "the file was computed on OpenBLAS, before the project's own kernels: its bits depended on that"
                + " machine's CPU, and this code cannot reproduce them (run it again with this version)"
        }
        if stored.kernelsVersion != Kernels.version {
            return "the kernels' version differs (stored v\(stored.kernelsVersion), now v\(Kernels.version)):"
                + " their specification changed, and with it the bits"
        }
        let now = Runner.gitCommit
        if stored.gitCommit != now || now.hasSuffix("-dirty") || now == "unknown" {
            return "the code version differs (stored git \(stored.gitCommit), now \(now)): the change may explain it"
        }
        return "same code version (git \(now)) and kernels: this should not happen; please report it with both files"
    }
}
