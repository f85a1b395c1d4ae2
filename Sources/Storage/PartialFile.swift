import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The temporary file a run is written to before it is renamed into place:
// ".<name>.h5.partial-<pid>" in the same folder, held under an exclusive `flock` by its
// writer from creation until it is renamed. A partial file is stale (its writer is gone)
// when nobody holds that lock and no process of that pid is alive on this machine; the
// lock also covers writers on other machines sharing the folder (NFS), whose pids mean
// nothing here.

extension RunFile {
    /// The temporary name a write uses before renaming: ".<name>.partial-<pid>" in the same folder.
    public static func partialURL(for finalURL: URL) -> URL {
        finalURL.deletingLastPathComponent()
            .appendingPathComponent(".\(finalURL.lastPathComponent).partial-\(getpid())")
    }

    /// Whether a file name is that of an unfinished write (".<name>.h5.partial-<pid>").
    public static func isPartial(_ fileName: String) -> Bool {
        fileName.hasPrefix(".") && fileName.contains(".\(fileExtension).partial-")
    }

    /// Bytes the temporary name adds to a run file's name: "." and ".partial-" and a pid of
    /// as many digits as the largest pid of this system (Linux: /proc/sys/kernel/pid_max;
    /// 10, the digits of Int32.max, elsewhere).
    public static let partialNameOverhead: Int = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)) ?? ""
        let digits = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)).map { String($0 - 1).count } ?? 10
        return 1 + ".partial-".utf8.count + digits
    }()

    /// Removes the temporary files in `directory` left by writes whose process is gone
    /// (killed runs); those of live writers are kept. Returns the removed file names.
    @discardableResult
    public static func removeStalePartials(in directory: URL) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed: [String] = []
        for name in names.sorted() where isPartial(name) || CheckpointFile.isPartial(name) {
            guard let pidText = name.split(separator: "-").last, let pid = Int32(pidText) else { continue }
            if removeIfStale(directory.appendingPathComponent(name).path, pid: pid) { removed.append(name) }
        }
        return removed
    }

    /// Unlinks `path` if its writer is gone, holding the writer's lock while doing so.
    private static func removeIfStale(_ path: String, pid: Int32) -> Bool {
        if pid == getpid() || pid <= 0 { return false }
        if kill(pid, 0) == 0 || errno == EPERM { return false }  // a live process has that pid
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }  // its writer still holds it
        return unlink(path) == 0
    }
}

/// A temporary run file being written: created, locked, filled, synced, then moved into
/// place by `RunFile.commit`. Closing releases the lock.
final class PartialFile {
    let url: URL
    private var fd: Int32

    /// Creates (or truncates a leftover of this pid) and locks the temporary file of `finalURL`.
    init(for finalURL: URL) throws {
        url = RunFile.partialURL(for: finalURL)
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunFileError.io(
                path: finalURL.path, reason: "cannot create the temporary file \(url.lastPathComponent): \(errnoText())"
            )
        }
        if flock(fd, LOCK_EX) != 0 {
            let reason = "cannot lock the temporary file \(url.lastPathComponent): \(errnoText())"
            Glibc.close(fd)
            _ = unlink(url.path)
            throw RunFileError.io(path: finalURL.path, reason: reason)
        }
    }

    /// Writes all of `bytes` and syncs them to the disk. `finalPath` names the run in errors.
    func write(_ bytes: [UInt8], finalPath: String) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw RunFileError.io(
                    path: finalPath,
                    reason: "cannot write the run file: \(errnoText()) "
                        + "(\(written) of \(bytes.count) bytes written; nothing was kept)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            throw RunFileError.io(
                path: finalPath,
                reason: "cannot write the run file: \(errnoText()) "
                    + "(syncing \(bytes.count) bytes to the disk; nothing was kept)")
        }
    }

    /// Releases the lock (the final name shares the inode, so readers that lock, as libhdf5
    /// and h5py do, wait for this); safe to call twice.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
