import Foundation

/// Finds the directory that holds a dataset's files.
///
/// Resolution order, first level that is set wins (no silent fallback to a lower level, so a
/// mistyped `--data-dir` is an error rather than a quiet switch to other data):
/// 1. an explicit directory (the CLI's `--data-dir`);
/// 2. the environment variable `GEMBENCH_DATA_DIR`;
/// 3. defaults: `<package root>/Data/<name>` (`Data/mnist`, `Data/cifar10`, ...); Fashion-MNIST
///    then also `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`). The
///    package root is the nearest directory above the current directory, or above the
///    executable, whose `Package.swift` mentions "GEMBench".
///
/// A directory from levels 1 and 2 may hold `mnist/`, `fashion-mnist/`, `cifar10/`, ...
/// subfolders, or the files directly; the subfolder is tried first. For CIFAR the folder the
/// official archive unpacks to (`cifar-10-batches-bin/`, `cifar-100-binary/`) is tried next.
public enum DatasetLocator {
    public static let environmentVariable = "GEMBENCH_DATA_DIR"
    public static let systemFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Where a candidate directory came from.
    public enum Source: String, Sendable, Equatable {
        case explicit = "--data-dir"
        case environment = "GEMBENCH_DATA_DIR"
        case packageDefault = "package default"
        case systemDefault = "system default"
    }

    public struct Candidate: Sendable, Equatable {
        public let directory: String
        public let source: Source
    }

    /// The directories tried for `name`, in order.
    public static func candidates(
        for name: DatasetName,
        explicitDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = DatasetLocator.executablePath
    ) -> [Candidate] {
        func under(_ base: String, _ source: Source) -> [Candidate] {
            let base = absolute(base, relativeTo: currentDirectory)
            return folders(under: base).map { Candidate(directory: $0, source: source) }
                + [Candidate(directory: base, source: source)]
        }
        func folders(under base: String) -> [String] {
            [join(base, name.rawValue)] + (name.archiveFolderName.map { [join(base, $0)] } ?? [])
        }
        if let explicitDirectory, !explicitDirectory.isEmpty {
            return under(explicitDirectory, .explicit)
        }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return under(fromEnvironment, .environment)
        }
        var roots: [String] = []
        for start in [currentDirectory, executablePath.map(parent)].compactMap({ $0 }) {
            if let root = packageRoot(searchingUpFrom: start), !roots.contains(root) { roots.append(root) }
        }
        var result = roots.flatMap { root in
            folders(under: join(root, "Data")).map { Candidate(directory: $0, source: .packageDefault) }
        }
        if name == .fashionMNIST {
            result.append(Candidate(directory: systemFashionMNISTDirectory, source: .systemDefault))
        }
        return result
    }

    /// The first candidate directory holding all files of `name`.
    /// Throws `DatasetError.missingFile` naming the first missing file and every directory tried.
    public static func locate(
        _ name: DatasetName,
        explicitDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = DatasetLocator.executablePath
    ) throws -> String {
        let candidates = candidates(
            for: name, explicitDirectory: explicitDirectory, environment: environment,
            currentDirectory: currentDirectory, executablePath: executablePath)
        // If none is complete, report the most plausible one: most files present, then existing.
        var best: (directory: String, missing: String, score: Int)?
        for candidate in candidates {
            let present = name.fileNames.filter { exists(join(candidate.directory, $0)) }
            if present.count == name.fileNames.count {
                // all the names are there: something that is not a file is named, not "missing"
                for file in present {
                    let path = join(candidate.directory, file)
                    if let kind = nonRegularKind(path) {
                        throw DatasetError.unreadableFile(path: path, reason: "it is \(kind), not a regular file")
                    }
                }
                return candidate.directory
            }
            let score = 2 * present.count + (isDirectory(candidate.directory) ? 1 : 0)
            if best == nil || score > best!.score {
                let missing = name.fileNames.first { !present.contains($0) }!
                best = (candidate.directory, missing, score)
            }
        }
        let searched = candidates.map(\.directory)
        if let best {
            throw DatasetError.missingFile(path: join(best.directory, best.missing), dataset: name, searched: searched)
        }
        // No package root was found and no directory was given.
        let guess = join(join(join(currentDirectory, "Data"), name.rawValue), name.fileNames[0])
        throw DatasetError.missingFile(
            path: guess, dataset: name,
            searched: [
                "(no GEMBench Package.swift above \(currentDirectory)"
                    + (executablePath.map { " or \(parent($0))" } ?? "") + ")"
            ])
    }

    /// The folder `bench fetch` installs datasets in (each as `<folder>/<name>`), chosen in the
    /// order `candidates` searches: `--data-dir`, else GEMBENCH_DATA_DIR, else `<package root>/Data`.
    /// So what `bench fetch` installs is what a later run finds.
    public static func fetchDirectory(
        explicitDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = DatasetLocator.executablePath
    ) throws -> (directory: String, source: Source) {
        if let explicitDirectory, !explicitDirectory.isEmpty {
            return (absolute(explicitDirectory, relativeTo: currentDirectory), .explicit)
        }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return (absolute(fromEnvironment, relativeTo: currentDirectory), .environment)
        }
        for start in [currentDirectory, executablePath.map(parent)].compactMap({ $0 }) {
            if let root = packageRoot(searchingUpFrom: start) { return (join(root, "Data"), .packageDefault) }
        }
        throw FetchError.noDataDirectory(currentDirectory: currentDirectory)
    }

    /// The nearest directory at or above `path` whose `Package.swift` contains "GEMBench".
    public static func packageRoot(searchingUpFrom path: String) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            let manifest = join(directory, "Package.swift")
            if let text = try? String(contentsOfFile: manifest, encoding: .utf8), text.contains("GEMBench") {
                return directory
            }
            let up = parent(directory)
            if up == directory { return nil }
            directory = up
        }
    }

    /// The running executable, symlinks resolved (on Linux, /proc/self/exe).
    public static var executablePath: String? {
        Bundle.main.executableURL?.resolvingSymlinksInPath().path
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Whether anything (file, folder, FIFO, ...) is at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// "a directory", "a FIFO (named pipe)", ... when `path` is there but not a regular file.
    static func nonRegularKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG else { return nil }
        return fileKind(info.st_mode)
    }

    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}

func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

func absolute(_ path: String, relativeTo base: String) -> String {
    let expanded = (path as NSString).expandingTildeInPath
    let url =
        expanded.hasPrefix("/")
        ? URL(fileURLWithPath: expanded)
        : URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
    var result = url.standardizedFileURL.path
    while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
    return result
}
