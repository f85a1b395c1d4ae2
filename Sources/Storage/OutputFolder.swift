import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks, before anything trains, that run files can be written into a folder: it is a
/// folder (or can be created), files can be created and written in it, and every run file
/// name fits the file system together with its temporary name. Each problem is one line
/// naming the folder or the file and what is wrong.
public enum OutputFolder {
    /// Creates `directory` if needed and checks it as described above.
    /// - Parameter fileNames: the run files that will be written there.
    public static func prepare(_ directory: URL, fileNames: [String]) throws {
        try checkNames(fileNames, in: directory)
        try createFolder(directory)
        try probeWriting(directory)
    }

    /// The checks that change nothing (for `--dry-run`): names, and that whatever exists at
    /// `directory` or above it is a folder.
    public static func checkNames(_ fileNames: [String], in directory: URL) throws {
        let existing = try nearestExistingFolder(of: directory)
        let nameLimit = Int(pathconf(existing, Int32(_PC_NAME_MAX)))
        let limit = nameLimit > 0 ? nameLimit : 255
        let folderBytes = directory.standardizedFileURL.path.utf8.count + 1
        for name in fileNames {
            let bytes = name.utf8.count
            if bytes + RunFile.partialNameOverhead > limit {
                throw RunFileError.invalidName(
                    name: name,
                    reason:
                        "run file name of \(bytes) bytes; with its temporary name (.NAME.partial-PID) it needs "
                        + "\(bytes + RunFile.partialNameOverhead), more than the \(limit) bytes a file name may have in "
                        + "\(existing); shorten the experiment or strategy name")
            }
            if bytes + CheckpointFile.temporaryNameOverhead > limit {
                throw RunFileError.invalidName(
                    name: name,
                    reason:
                        "run file name of \(bytes) bytes; with its checkpoint's temporary name (..NAME.checkpoint.partial-PID) "
                        + "it needs \(bytes + CheckpointFile.temporaryNameOverhead), more than the \(limit) bytes a file name may "
                        + "have in \(existing); shorten the experiment or strategy name")
            }
            if folderBytes + bytes + CheckpointFile.temporaryNameOverhead >= Int(PATH_MAX) {
                throw RunFileError.invalidName(
                    name: name,
                    reason:
                        "the path of its temporary file in \(directory.path) is longer than the \(PATH_MAX) bytes "
                        + "a path may have; choose a shorter --out")
            }
        }
    }

    /// `mkdir -p` with errno in the message (Foundation's errors read "NSCocoaErrorDomain Code=…").
    static func createFolder(_ directory: URL) throws {
        var path = ""
        for component in directory.standardizedFileURL.pathComponents {
            path = path.isEmpty ? component : (path == "/" ? "/" + component : path + "/" + component)
            if path == "/" { continue }
            if mkdir(path, 0o755) == 0 || errno == EEXIST {
                guard isFolder(path) else {
                    throw RunFileError.outputFolder(
                        path: directory.path,
                        reason: "\(path) is a file, not a folder; choose another --out")
                }
                continue
            }
            throw RunFileError.outputFolder(
                path: directory.path, reason: "cannot create the folder \(path): \(errnoText())")
        }
    }

    /// Creates, writes, syncs and removes a small file: catches read-only file systems,
    /// missing permissions (which `access` cannot see for root) and a disk that is already full.
    private static func probeWriting(_ directory: URL) throws {
        let probe = directory.appendingPathComponent(".gembench-write-check-\(getpid())").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunFileError.outputFolder(path: directory.path, reason: "cannot create files in it: \(errnoText())")
        }
        defer { _ = unlink(probe) }
        var byte: UInt8 = 0x0a
        let wrote = write(fd, &byte, 1) == 1 && fsync(fd) == 0
        let reason = errnoText()
        close(fd)
        guard wrote else {
            throw RunFileError.outputFolder(path: directory.path, reason: "cannot write files in it: \(reason)")
        }
    }

    /// `directory` or its nearest ancestor that exists; an existing file on the way is an error.
    private static func nearestExistingFolder(of directory: URL) throws -> String {
        var url = directory.standardizedFileURL
        while true {
            var info = stat()
            if stat(url.path, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw RunFileError.outputFolder(
                        path: directory.path,
                        reason: "\(url.path) is a file, not a folder; choose another --out")
                }
                return url.path
            }
            let up = url.deletingLastPathComponent()
            if up.path == url.path { return url.path }
            url = up
        }
    }

    private static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
