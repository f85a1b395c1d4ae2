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

    @Option(name: .long, parsing: .unconditional,
            help: "Lanes per run for the row-parallel kernels (default: the cores left to each job); results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        try requireNonEmpty(experiments, "--experiments", "a folder of experiment YAML files")
        try requireNonEmpty(dataDir, "--data-dir", "a folder")
    }

    /// Lanes per run when `jobs` runs share the machine's cores (neither count changes results).
    func lanes(jobs: Int = 1) -> Int {
        threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
    }

    /// The experiments folder: `--experiments`, else `Experiments/` of the checkout above the
    /// current folder, else of the checkout the executable was built in (as data is found).
    /// Relative when it is the current directory's, so run files record a path that does not
    /// depend on where the checkout sits.
    var experimentsDirectory: String? {
        if let experiments { return experiments }
        let manager = FileManager.default
        if manager.fileExists(atPath: "Experiments") { return "Experiments" }
        let starts = [manager.currentDirectoryPath] + (DatasetLocator.executablePath.map { [$0] } ?? [])
        for start in starts {
            if let root = DatasetLocator.packageRoot(searchingUpFrom: start),
               manager.fileExists(atPath: root + "/Experiments") {
                return root + "/Experiments"
            }
        }
        return nil
    }

    func loadRegistry() throws -> Registry {
        guard let directory = experimentsDirectory else {
            throw fail("no Experiments/ folder here, nor in a GEMBench checkout above this folder or above the bench "
                       + "executable (\(DatasetLocator.executablePath ?? "unknown")); name one with --experiments DIR")
        }
        do { return try Registry.load(directory: directory) } catch {
            throw fail("\(error)")
        }
    }
}

/// A path option given as '' would silently mean the current folder (or nothing).
func requireNonEmpty(_ value: String?, _ option: String, _ expected: String) throws {
    if let value, value.trimmingCharacters(in: .whitespaces).isEmpty {
        throw ValidationError("\(option) is empty; expected \(expected)")
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
