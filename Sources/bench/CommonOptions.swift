import ArgumentParser
import Data
import Experiments
import Foundation

/// Where experiments and data live, shared by the commands that train.
struct LocationOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of experiment YAML files (default: Experiments/ of this checkout).")
    var experiments: String?

    @Option(name: .long, help: "Folder holding mnist/ and fashion-mnist/ (or the IDX files); also GEMBENCH_DATA_DIR.")
    var dataDir: String?

    @Option(name: .long, help: "Lanes per run for the row-parallel kernels (default: the cores left to each job); results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    /// Lanes per run when `jobs` runs share the machine's cores (BLAS itself is single-threaded
    /// inside a run, so neither count changes results).
    func blasThreads(jobs: Int = 1) -> Int {
        threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
    }

    /// The experiments folder: relative when it is the current directory's, so run files
    /// record a path that does not depend on where the checkout sits.
    var experimentsDirectory: String {
        if let experiments { return experiments }
        if FileManager.default.fileExists(atPath: "Experiments") { return "Experiments" }
        if let root = DatasetLocator.packageRoot(searchingUpFrom: FileManager.default.currentDirectoryPath) {
            return root + "/Experiments"
        }
        return "Experiments"
    }

    func loadRegistry() throws -> Registry {
        do { return try Registry.load(directory: experimentsDirectory) } catch {
            throw fail("\(error)")
        }
    }
}

/// Writes a message to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Prints `message` on stderr; the returned exit code (1) is what the command throws.
func fail(_ message: String) -> ExitCode {
    printError("bench: " + message)
    return ExitCode.failure
}
