import Learning
import Storage
import Strategies
import XCTest

@testable import Experiments

/// Stopping a run and resuming it from its checkpoint file gives the run file of the run never
/// stopped (the independent truth), bit for bit, for every strategy of the smoke suite, with
/// two epochs and (on the MLPs) `eval_every` curves on. Each run is stopped and resumed four times, every
/// time by a fresh trainer from the file alone:
///   1. abandoned (Ctrl-C) early in task 2: the checkpoint on disk is that of task 1's end;
///   2. checkpointed at once on resuming: task 2, step 0 (its `beforeTrainingExp` has run);
///   3. checkpointed mid-task, in the first epoch;
///   4. checkpointed in the second epoch;
/// then trained to the end. Joint training has one experience: only 3 and 4 apply.
final class CheckpointTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func smokePlan() throws -> [RunSpec] {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        return try registry.plan(suite: "smoke", seeds: SeedSelection([1])).map { spec in
            var spec = spec
            spec.optimizer.epochs = 2
            // curves on the MLPs; on the ResNet every evaluation costs as much as the training
            spec.optimizer.evalEvery = spec.model.isMLP ? 3 : 0
            return spec
        }
    }

    /// Trains `spec` with checkpoints until `stop` steps are done in all (counted over the
    /// experiences, `perExperience` each), then checkpoints or abandons at the next minibatch;
    /// returns the checkpoint's position, or nil when the run finished first.
    private func train(_ spec: RunSpec, until stop: Int, perExperience: Int, abandon: Bool = false) throws
        -> CheckpointPosition?
    {
        let runner = Runner(outputDirectory: folder, threads: 1)
        var reached = false
        runner.shouldCheckpoint = { reached && !abandon }
        runner.shouldStop = { reached && abandon }
        let events: (RunEvent) -> Void = { event in
            if case .resumed(_, let position) = event {
                reached = (position.task - 1) * perExperience + position.step >= stop
            }
        }
        do {
            _ = try runner.record(for: spec, checkpoints: true, events: events) { progress in
                if case .step(let experience, _, let done, _, _, _) = progress,
                    experience * perExperience + done >= stop
                {
                    reached = true
                }
            }
            return nil
        } catch is TrainingCheckpointed, is TrainingInterrupted {
            return CheckpointPosition(try CheckpointFile.readAttributes(runner.checkpointURL(for: spec)))
        }
    }

    /// A checkpoint written by other code is refused before training, naming the file and the
    /// versions; `--force` deletes it and starts over; a resumed run says so and, finished,
    /// leaves no checkpoint.
    func testACheckpointOfOtherCodeIsRefusedAndForceStartsOver() throws {
        let spec = try smokePlan().first { $0.runID == "smoke-permuted__gem__seed1" }!
        let runner = Runner(outputDirectory: folder, threads: 1)
        let url = runner.checkpointURL(for: spec)
        XCTAssertEqual(try train(spec, until: 5, perExperience: 20), CheckpointPosition(task: 1, tasks: 3, step: 5))
        var content = try CheckpointFile.read(url)
        let genuine = content
        content.attributes["code_version"] = "0.0.9 0123abc"
        try CheckpointFile.write(content, to: url)
        XCTAssertThrowsError(try runner.execute([spec]) { _ in }) { error in
            XCTAssertEqual(
                "\(error)",
                """
                1 checkpoint(s) cannot be resumed; nothing was run:
                  \(url.path):
                    code_version: stored 0.0.9 0123abc, now \(Runner.codeVersion)
                Rerun with --force to delete them and start those runs over.
                """)
        }
        try CheckpointFile.write(genuine, to: url)
        let events = Log()
        _ = try runner.execute([spec]) { if case .resumed(_, let from) = $0 { events.append("\(from)") } }
        XCTAssertEqual(events.entries, ["task 1 of 3, step 5"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))

        try CheckpointFile.write(content, to: url)
        let forced = Log()
        _ = try Runner(outputDirectory: folder, threads: 1, force: true).execute([spec]) {
            if case .resumed = $0 { forced.append("resumed") }
        }
        XCTAssertEqual(forced.entries, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testEverySmokeStrategyResumesBitIdentically() throws {
        let plan = try smokePlan()
        XCTAssertGreaterThan(plan.count, 30)
        XCTAssertTrue(plan.contains { $0.experiment == "smoke-split-conv" })
        for spec in plan {
            let truth = try Runner(outputDirectory: folder, threads: 1).record(for: spec)
            let experiences = truth.accuracyMatrix.count
            let per = truth.stepLoss.count / experiences
            let epoch = per / 2
            var positions: [CheckpointPosition?] = []
            if experiences > 1 {
                positions.append(try train(spec, until: per + 2, perExperience: per, abandon: true))
                positions.append(try train(spec, until: per, perExperience: per))
            }
            let base = experiences > 1 ? per : 0
            let task = experiences > 1 ? 2 : 1
            positions.append(try train(spec, until: base + epoch / 2, perExperience: per))
            positions.append(try train(spec, until: base + epoch + epoch / 2, perExperience: per))
            let expected = (experiences > 1 ? [(2, 0), (2, 0)] : []) + [(task, epoch / 2), (task, epoch + epoch / 2)]
            XCTAssertEqual(
                positions.map { $0.map { "\($0)" } ?? "none" },
                expected.map { "task \($0.0) of \(experiences), step \($0.1)" }, spec.runID)
            let resumed = try Runner(outputDirectory: folder, threads: 1).record(for: spec, checkpoints: true)
            XCTAssertEqual(truth.bitDifferences(from: resumed), [], spec.runID)
            XCTAssertEqual(truth.layerState, resumed.layerState, spec.runID)
            XCTAssertEqual(truth.curve.isEmpty, !spec.model.isMLP, spec.runID)
            // both processes' training time is counted
            XCTAssertEqual(resumed.taskTrainSeconds.count, truth.taskTrainSeconds.count, spec.runID)
            try CheckpointFile.remove(Runner(outputDirectory: folder).checkpointURL(for: spec))
        }
    }
}
