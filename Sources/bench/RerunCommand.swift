import ArgumentParser
import Experiments
import Foundation
import Storage

struct RerunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Train again from the config stored in a run file and check the result is bit-identical.",
        discussion: "Nothing is written; the exit status is 0 when the accuracy matrix and b match bit for bit, 1 otherwise.")

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
        let same = fresh.accuracyMatrix == stored.accuracyMatrix && fresh.randomInitAccuracy == stored.randomInitAccuracy
        let maxDifference = zip(fresh.accuracyMatrix.joined(), stored.accuracyMatrix.joined())
            .map { abs($0 - $1) }.max() ?? 0
        print("accuracy matrix: \(same ? "bit-identical" : "DIFFERENT (max |Δ| = \(maxDifference))")")
        print("ACC stored \(stored.acc), now \(fresh.acc)")
        if !same { throw ExitCode.failure }
    }
}
