import Foundation

/// Finds the directory that holds a dataset's four files.
///
/// Resolution order, first level that is set wins (no silent fallback to a lower level, so a
/// mistyped `--data-dir` is an error rather than a quiet switch to other data):
/// 1. an explicit directory (the CLI's `--data-dir`);
/// 2. the environment variable `GEMBENCH_DATA_DIR`;
/// 3. defaults: MNIST in `<package root>/Data/mnist`; Fashion-MNIST in
///    `<package root>/Data/fashion-mnist`, then `/usr/share/datasets/fashion-mnist` (Debian's
///    `dataset-fashion-mnist`). The package root is the nearest directory above the current
///    directory, or above the executable, whose `Package.swift` mentions "GEMBench".
///
/// A directory from levels 1 and 2 may hold `mnist/` and `fashion-mnist/` subfolders, or the
/// four files directly; the subfolder is tried first.
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
            return [Candidate(directory: join(base, name.rawValue), source: source),
                    Candidate(directory: base, source: source)]
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
        var result = roots.map { Candidate(directory: join(join($0, "Data"), name.rawValue), source: .packageDefault) }
        if name == .fashionMNIST {
            result.append(Candidate(directory: systemFashionMNISTDirectory, source: .systemDefault))
        }
        return result
    }

    /// The first candidate directory holding all four files of `name`.
    /// Throws `DatasetError.missingFile` naming the first missing file and every directory tried.
    public static func locate(
        _ name: DatasetName,
        explicitDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executablePath: String? = DatasetLocator.executablePath
    ) throws -> String {
        let candidates = candidates(for: name, explicitDirectory: explicitDirectory, environment: environment,
                                    currentDirectory: currentDirectory, executablePath: executablePath)
        // If none is complete, report the most plausible one: most files present, then existing.
        var best: (directory: String, missing: String, score: Int)?
        for candidate in candidates {
            let present = name.files.all.filter { exists(join(candidate.directory, $0)) }
            if present.count == name.files.all.count {
                // all four names are there: something that is not a file is named, not "missing"
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
                let missing = name.files.all.first { !present.contains($0) }!
                best = (candidate.directory, missing, score)
            }
        }
        let searched = candidates.map(\.directory)
        if let best {
            throw DatasetError.missingFile(path: join(best.directory, best.missing), dataset: name, searched: searched)
        }
        // No package root was found and no directory was given.
        let guess = join(join(join(currentDirectory, "Data"), name.rawValue), name.files.trainImages)
        throw DatasetError.missingFile(
            path: guess, dataset: name,
            searched: ["(no GEMBench Package.swift above \(currentDirectory)"
                + (executablePath.map { " or \(parent($0))" } ?? "") + ")"])
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
    let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded)
        : URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
    var result = url.standardizedFileURL.path
    while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
    return result
}
