import ArgumentParser
import Data
import Experiments
import Foundation

/// Where experiments and data live, shared by the commands that train.
struct LocationOptions: ParsableArguments {
    /// Colon-separated experiment folders read in front of the shipped one, after `--experiments`.
    static let experimentsVariable = "GEMBENCH_EXPERIMENTS"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A folder of your experiment YAML files, read in front of the shipped Experiments/; its experiments may "
                + "extend the shipped ones (repeatable; also GEMBENCH_EXPERIMENTS, colon-separated).",
            valueName: "dir"))
    var experiments: [String] = []

    @Option(name: .long, help: "Folder holding mnist/ and fashion-mnist/ (or the IDX files); also GEMBENCH_DATA_DIR.")
    var dataDir: String?

    @Option(
        name: .long, parsing: .unconditional,
        help:
            "Lanes per run for the row-parallel kernels (default: the cores left to each job); results do not depend on it."
    )
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        for folder in experiments { try requireNonEmpty(folder, "--experiments", "a folder of experiment YAML files") }
        try requireNonEmpty(dataDir, "--data-dir", "a folder")
    }

    /// Lanes per run when `jobs` runs share the machine's cores (neither count changes results).
    func lanes(jobs: Int = 1) -> Int {
        threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
    }

    /// The shipped experiments folder: `Experiments/` of the checkout above the current folder,
    /// else of the checkout the executable was built in (as data is found). Relative when it is
    /// the current directory's, so run files record a path that does not depend on where the
    /// checkout sits.
    static var shippedDirectory: String? {
        let manager = FileManager.default
        if manager.fileExists(atPath: "Experiments") { return "Experiments" }
        let starts = [manager.currentDirectoryPath] + (DatasetLocator.executablePath.map { [$0] } ?? [])
        for start in starts {
            if let root = DatasetLocator.packageRoot(searchingUpFrom: start),
                manager.fileExists(atPath: root + "/Experiments")
            {
                return root + "/Experiments"
            }
        }
        return nil
    }

    /// The folders added in front of the shipped one, as given: `--experiments` in order, then
    /// GEMBENCH_EXPERIMENTS's; a folder named twice (or the shipped one itself) counts once.
    /// Each must be a folder.
    func addedFolders(shipped: String?) throws -> [String] {
        let fromEnvironment = (ProcessInfo.processInfo.environment[Self.experimentsVariable] ?? "")
            .split(separator: ":").map(String.init)
        var seen = Set(shipped.map { [Self.identity($0)] } ?? [])
        var folders: [String] = []
        let given = experiments.map { ($0, "--experiments") } + fromEnvironment.map { ($0, Self.experimentsVariable) }
        for (folder, origin) in given {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw fail("\(origin) \(folder): no such folder (expected a folder of experiment YAML files)")
            }
            if seen.insert(Self.identity(folder)).inserted { folders.append(folder) }
        }
        return folders
    }

    /// A folder's absolute path with symbolic links resolved, to recognise one folder named two ways.
    private static func identity(_ folder: String) -> String {
        URL(fileURLWithPath: folder).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// Every experiment of the added folders and the shipped one, as one registry; each run
    /// records the added folders, so that the commands printed for it find it again.
    func loadRegistry() throws -> Registry {
        let shipped = Self.shippedDirectory
        let added = try addedFolders(shipped: shipped)
        guard shipped != nil || !added.isEmpty else {
            throw fail(
                "no Experiments/ folder here, nor in a GEMBench checkout above this folder or above the bench "
                    + "executable (\(DatasetLocator.executablePath ?? "unknown")); name one with --experiments DIR")
        }
        do {
            return try Registry.load(directories: added + (shipped.map { [$0] } ?? []), recordedFolders: added)
        } catch {
            throw fail("\(error)")
        }
    }

    /// The options that make another `bench` process see the same experiments and data, with
    /// absolute paths (a SLURM element runs from the checkout).
    func forwardedArguments() throws -> [String] {
        var arguments: [String] = []
        for folder in try addedFolders(shipped: Self.shippedDirectory) {
            arguments += ["--experiments", absolute(folder)]
        }
        if let dataDir { arguments += ["--data-dir", absolute(dataDir)] }
        return arguments
    }
}

private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

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
