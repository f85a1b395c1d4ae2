import Benchmarks
import Data
import Learning
import Storage
import XCTest

@testable import Experiments

/// What the runner refuses before training, and what it does when another process writes
/// into the same output folder.
final class RunnerFaultTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("runner-faults-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func spec(experiment: String = "tiny", strategy: String = "naive", seed: Int = 0) -> RunSpec {
        RunSpec(
            experiment: experiment, strategy: strategy, seed: seed,
            benchmark: BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 20, testSamplesPerTask: 20),
            model: ModelSpec(hidden: [10]), optimizer: OptimizerSpec(lr: 0.1, batchSize: 10), method: .naive)
    }

    /// Runs `plan` and returns the error and the events seen; `trained` counts `.started` events.
    private func refusal(_ plan: [RunSpec], in out: URL) -> (error: String, events: [String]) {
        let events = Log()
        do {
            _ = try Runner(outputDirectory: out, threads: 1).execute(plan) { event in
                if case .started = event { events.append("started") }
            }
            return ("(no error)", events.entries)
        } catch {
            return ("\(error)", events.entries)
        }
    }

    func testAFileInPlaceOfTheOutputFolderIsRefusedBeforeTraining() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("taken")
        try Data("x".utf8).write(to: file)
        let (error, events) = refusal([spec()], in: file)
        XCTAssertEqual(error, "\(file.path): \(file.path) is a file, not a folder; choose another --out")
        XCTAssertEqual(events, [])
        let below = file.appendingPathComponent("runs")
        let (belowError, belowEvents) = refusal([spec()], in: below)
        XCTAssertEqual(belowError, "\(below.path): \(file.path) is a file, not a folder; choose another --out")
        XCTAssertEqual(belowEvents, [])
    }

    func testAnUnwritableOutputFolderIsRefusedBeforeTraining() throws {
        try XCTSkipIf(getuid() == 0, "root writes into read-only folders; the read-only mount case is in the report")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        chmod(folder.path, 0o555)
        defer { chmod(folder.path, 0o755) }
        let (error, events) = refusal([spec()], in: folder)
        XCTAssertEqual(error, "\(folder.path): cannot create files in it: Permission denied")
        XCTAssertEqual(events, [])
    }

    /// A disk that is already full (here: a file size limit of 0, as `ulimit -f 0` sets).
    func testAFullDiskIsRefusedBeforeTraining() throws {
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = 0
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        let (error, events) = refusal([spec()], in: folder)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)
        XCTAssertEqual(error, "\(folder.path): cannot write files in it: File too large")
        XCTAssertEqual(events, [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    /// A 250-byte name fits NAME_MAX (255); its temporary ".NAME.partial-PID" does not.
    func testANameTooLongForItsTemporaryFileIsRefusedBeforeTraining() throws {
        let long = String(repeating: "e", count: 250 - "__naive__seed0.h5".utf8.count)
        let name = spec(experiment: long).outputFileName
        XCTAssertEqual(name.utf8.count, 250)
        // the longest pid this system hands out
        let pidMax = try XCTUnwrap(
            Int(
                String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        let needed = 250 + ".".count + ".partial-".count + String(pidMax - 1).count
        let (error, events) = refusal([spec(), spec(experiment: long)], in: folder)
        XCTAssertEqual(
            error,
            "\(name): run file name of 250 bytes; with its temporary name (.NAME.partial-PID) it needs "
                + "\(needed), more than the 255 bytes a file name may have in \(FileManager.default.temporaryDirectory.standardizedFileURL.path); "
                + "shorten the experiment or strategy name")
        XCTAssertEqual(events, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "nothing is created before refusing")
    }

    func testTemporaryFilesOfGoneProcessesAreRemovedAtTheStart() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let stale = ".tiny__naive__seed0.h5.partial-\(gone.processIdentifier)"
        let live = ".tiny__naive__seed1.h5.partial-1"  // pid 1 is alive
        for name in [stale, live] { try Data("partial".utf8).write(to: folder.appendingPathComponent(name)) }
        let removed = Log()
        _ = try Runner(outputDirectory: folder, threads: 1).execute([spec()]) { event in
            if case .removedStalePartial(let file) = event { removed.append(file.lastPathComponent) }
        }
        XCTAssertEqual(removed.entries, [stale])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
            [live, "tiny__naive__seed0.events.jsonl", "tiny__naive__seed0.h5"])
    }

    /// Two `bench run` on one folder: the run the other process finishes first is a skip.
    func testARunFinishedByAnotherProcessIsASkipNotAnError() throws {
        let other = try Runner(outputDirectory: folder, threads: 1).record(for: spec(seed: 0))
        let otherLater = try Runner(outputDirectory: folder, threads: 1).record(for: spec(seed: 1))
        let folder = self.folder!
        let secondFile = folder.appendingPathComponent(spec(seed: 1).outputFileName)
        let events = Log()
        let runner = Runner(outputDirectory: folder, threads: 1)
        let records = try runner.execute([spec(seed: 0), spec(seed: 1)]) { event in
            switch event {
            case .started(_, _, let started):
                events.append("started seed\(started.seed)")
                // the other process finishes seed 0 while this one trains it, and seed 1 before it starts
                if started.seed == 0 {
                    try? RunFile.write(other, to: folder.appendingPathComponent(started.outputFileName))
                    try? RunFile.write(otherLater, to: secondFile)
                }
            case .skipped(_, _, let skipped, _, let reason): events.append("skipped seed\(skipped.seed): \(reason)")
            case .finished(_, _, let finished, _, _): events.append("finished seed\(finished.seed)")
            default: break
            }
        }
        XCTAssertEqual(
            events.entries,
            [
                "started seed0",
                "skipped seed0: finished meanwhile by another process (its file is kept)",
                "skipped seed1: finished meanwhile by another process",
            ])
        XCTAssertEqual(records.map(\.created), [other.created, otherLater.created])
    }

    func testARunFinishedElsewhereWithAnotherConfigIsAConflict() throws {
        var changed = spec()
        changed.optimizer.lr = 0.05
        let other = try Runner(outputDirectory: folder, threads: 1).record(for: changed)
        let folder = self.folder!
        XCTAssertThrowsError(
            try Runner(outputDirectory: folder, threads: 1).execute([spec()]) { event in
                if case .started(_, _, let started) = event {
                    try? RunFile.write(other, to: folder.appendingPathComponent(started.outputFileName))
                }
            }
        ) { error in
            XCTAssertTrue(
                "\(error)".contains(
                    "(written by another process meanwhile):\n    optimizer.lr: stored 0.05, planned 0.1"),
                "\(error)")
        }
    }
}
