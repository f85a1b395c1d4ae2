import ArgumentParser
import Experiments
import Foundation
import Storage

struct RerunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Train again from the config stored in a run file and check the result is bit-identical.",
        discussion: """
            Nothing is written. Everything training recomputes is compared bit for bit: the accuracy matrix, b, \
            ACC/BWT/FWT, the task definitions, the per-step loss and diagnostics, the final parameters and the \
            episodic memory (not timings or provenance). The exit status is 0 when all match, 1 otherwise, with \
            one line per part that differs.
            """)

    @Argument(help: "A run file (.h5).")
    var file: String

    @OptionGroup var location: LocationOptions

    func run() throws {
        let stored: RunRecord
        let spec: RunSpec
        do {
            stored = try RunFile.read(URL(fileURLWithPath: file))
            spec = try RunSpec(canonicalYAML: stored.configYAML, source: file)
        } catch {
            throw fail("\(error)")
        }
        printError("rerunning \(spec.runID) (stored: git \(stored.gitCommit), \(stored.created), \(stored.machine))")
        // results do not depend on the lanes; files written before BLAS was single-threaded inside
        // runs (blas_threads > 1) may not rerun bit-identically
        let threads = location.threads ?? location.blasThreads()
        let runner = Runner(outputDirectory: URL(fileURLWithPath: "."), dataDirectory: location.dataDir,
                            threads: threads)
        let interruption = Interruption()
        runner.shouldStop = { interruption.isRequested }
        let fresh: RunRecord
        do { fresh = try runner.record(for: spec) } catch { throw fail("\(error)") }
        let differences = stored.bitDifferences(from: fresh)
        print("ACC stored \(stored.acc), now \(fresh.acc)")
        if differences.isEmpty {
            print("bit-identical: accuracy matrix, b, ACC/BWT/FWT, tasks, training curves, diagnostics, parameters, layer state, eval_every curves, memory")
            return
        }
        print("DIFFERENT:")
        for line in differences { print("  " + line) }
        throw ExitCode.failure
    }
}
