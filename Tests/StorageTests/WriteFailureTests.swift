import Foundation
import Storage
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A full disk or a file size limit while a run file is written, and the temporary files
/// that killed writers leave behind.
final class WriteFailureTests: XCTestCase {
    /// Runs `body` with a file size limit of `bytes` (RLIMIT_FSIZE, as `ulimit -f` sets);
    /// writes past it fail with EFBIG, as they would on a full disk with ENOSPC.
    private func withFileSizeLimit(_ bytes: Int, _ body: () throws -> Void) rethrows {
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = rlim_t(bytes)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)
        }
        try body()
    }

    /// Before: libhdf5 wrote the file itself, its failed close left the file in its tables
    /// and its exit handler crashed (SIGSEGV) retrying that close.
    func testWriteBeyondTheFileSizeLimitFailsCleanlyAndLeavesNothing() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        let record = sampleRecord()  // about 24 kB
        XCTAssertEqual(HDF5File.openFileCount, 0)
        try withFileSizeLimit(8 * 1024) {
            XCTAssertThrowsError(try RunFile.write(record, to: url)) { error in
                guard case .io(let path, let reason)? = error as? RunFileError else { return XCTFail("\(error)") }
                XCTAssertEqual(path, url.path)
                XCTAssertTrue(reason.hasPrefix("cannot write the run file: File too large (8192 of "), reason)
                XCTAssertTrue(reason.hasSuffix("bytes written; nothing was kept)"), reason)
            }
        }
        XCTAssertEqual(HDF5File.openFileCount, 0, "libhdf5 still holds a file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
        // the same write succeeds once there is room, and reads back
        try RunFile.write(record, to: url)
        XCTAssertEqual(try RunFile.read(url), record)
    }

    func testFailedWriteKeepsTheOldCompleteFile() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(seed: 1), to: url)
        let before = try Data(contentsOf: url)
        try withFileSizeLimit(8 * 1024) {
            XCTAssertThrowsError(try RunFile.write(sampleRecord(seed: 2), to: url, overwrite: true))
        }
        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["run.h5"])
    }

    /// A child process that takes `flock` on `path` and waits; returns it running.
    private func lockHolder(_ path: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import fcntl, sys, time
            f = open(sys.argv[1], 'rb')
            fcntl.flock(f, fcntl.LOCK_EX)
            print('locked', flush=True)
            time.sleep(30)
            """, path,
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = out.fileHandleForReading.availableData
        XCTAssertTrue(String(decoding: line, as: UTF8.self).hasPrefix("locked"))
        return process
    }

    /// The pid of a process that has exited (and been reaped).
    private func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testOnlyPartialsOfGoneWritersAreRemoved() throws {
        let folder = try makeTemporaryDirectory()
        let bytes = Data("partial".utf8)
        let dead = ".a.h5.partial-\(try deadPID())"
        let ours = RunFile.partialURL(for: folder.appendingPathComponent("b.h5")).lastPathComponent
        let live = ".c.h5.partial-1"  // pid 1 is alive
        // a writer on another machine sharing the folder: its pid means nothing here, its lock does
        let locked = ".d.h5.partial-\(try deadPID())"
        for name in [dead, ours, live, locked] { try bytes.write(to: folder.appendingPathComponent(name)) }
        let holder = try lockHolder(folder.appendingPathComponent(locked).path)
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }

        XCTAssertEqual(try RunFile.removeStalePartials(in: folder), [dead])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
            [ours, live, locked].sorted())
        holder.terminate()
        holder.waitUntilExit()
        XCTAssertEqual(try RunFile.removeStalePartials(in: folder), [locked])
    }

    /// A writer holds its lock until just after the final name exists (same inode): a reader
    /// must not need a lock of its own (libhdf5 takes one by default and failed with EAGAIN
    /// when two `bench run` shared a folder).
    func testAFileLockedByAnotherProcessStillReads() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        let holder = try lockHolder(url.path)
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        XCTAssertEqual(try RunFile.read(url), sampleRecord())
        XCTAssertEqual(try RunFile.readSummary(url).seed, 0)
    }
}
