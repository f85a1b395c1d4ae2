import Experiments
import Strategies
import XCTest

/// The progress display's arithmetic, against values worked out by hand: a run's share done
/// (training steps and evaluations weighed by its estimate), the measured correction, the ETAs.
final class PlanProgressTests: XCTestCase {
    /// A: 100 s estimated, 80% training, 4 tasks; B: 200 s, half training, 2 tasks; C: 50 s,
    /// queued; D: complete, skipped. Two jobs.
    private func plan() -> PlanProgress {
        var progress = PlanProgress(
            [
                .init(runID: "A", seconds: 100, trainShare: 0.8, experiences: 4),
                .init(runID: "B", seconds: 200, trainShare: 0.5, experiences: 2),
                .init(runID: "C", seconds: 50, trainShare: 0.5, experiences: 2),
                .init(runID: "D", seconds: 1000, trainShare: 0.5, experiences: 2),
            ], jobs: 2)
        progress.planned(["A", "B", "C"])
        progress.started("A", at: 0)
        progress.started("B", at: 0)
        return progress
    }

    func testBeforeAnyMeasurementThePlanIsItsEstimate() {
        let progress = plan()
        XCTAssertNil(progress.correction(at: 5))
        XCTAssertNil(progress.remaining("A", at: 5))
        // in flight A 100 and B 200, queued C 50: (350) / 2 jobs = 175, but B alone needs 200
        let (seconds, measured) = progress.planRemaining(at: 5)
        XCTAssertEqual(seconds, 200, accuracy: 1e-12)
        XCTAssertFalse(measured)
        XCTAssertEqual(progress.counts.ended, 0)
        XCTAssertEqual(progress.counts.inFlight, 2)
        XCTAssertEqual(progress.counts.queued, 1)
    }

    func testAShareDoneWeighsStepsAndEvaluations() {
        var progress = plan()
        progress.update("A", with: .randomInitEvaluated(accuracy: [0.1, 0.1, 0.1, 0.1]), at: 1)
        // b is 1 of 5 evaluations: 0.2 × 1/5
        XCTAssertEqual(progress.fraction("A"), 0.04, accuracy: 1e-12)
        progress.update("A", with: .experienceStarted(experience: 1, of: 4, done: 0, steps: 20), at: 2)
        progress.update("A", with: .step(experience: 1, of: 4, done: 1, steps: 20, iteration: 21, loss: 0.5), at: 3)
        // training (1 + 1/20) / 4 = 0.2625, evaluations b and row 0: 2/5; 0.8 × 0.2625 + 0.2 × 0.4
        XCTAssertEqual(progress.fraction("A"), 0.29, accuracy: 1e-12)

        // under a tenth of the task done and none before: A's pace so far, 10 / 0.29 s per unit
        XCTAssertEqual(progress.remaining("A", at: 10)!, 10 / 0.29 * 0.71, accuracy: 1e-9)
        // measured 10 s for 29 estimated: B and C at 10/29 of their estimates
        let correction = 10.0 / 29
        XCTAssertEqual(progress.correction(at: 10)!, correction, accuracy: 1e-12)
        XCTAssertEqual(progress.remaining("B", at: 10)!, 200 * correction, accuracy: 1e-9)
        // (A 24.48 + B 68.97 + C 17.24) / 2 = 55.3 < B's 68.97
        let (seconds, measured) = progress.planRemaining(at: 10)
        XCTAssertEqual(seconds, 200 * correction, accuracy: 1e-9)
        XCTAssertTrue(measured)
    }

    /// Steps that grow dearer task after task (GEM's): the pace is the latest one measured.
    func testTheRemainingTimeGoesAtThePaceOfTheLatestTask() {
        var progress = plan()
        progress.update("A", with: .randomInitEvaluated(accuracy: [0, 0, 0, 0]), at: 0)
        progress.update("A", with: .experienceStarted(experience: 0, of: 4, done: 0, steps: 10), at: 1)
        progress.update("A", with: .step(experience: 0, of: 4, done: 5, steps: 10, iteration: 5, loss: 1), at: 3)
        // 0.8 × 5/40 + 0.04 = 0.14, 0.1 of it in the 2 s since the task began: 20 s per unit
        XCTAssertEqual(progress.remaining("A", at: 3)!, 20 * 0.86, accuracy: 1e-9)
        progress.update(
            "A",
            with: .experienceEvaluated(
                experience: 0, of: 4, accuracy: [0, 0, 0, 0], trainSeconds: 2,
                evalSeconds: 1), at: 4)
        progress.update("A", with: .experienceStarted(experience: 1, of: 4, done: 0, steps: 10), at: 4)
        // 0.8 × 1/4 + 0.2 × 2/5 = 0.28; the task before, with its evaluation: 3 s for 0.24
        XCTAssertEqual(progress.remaining("A", at: 4.5)!, 12.5 * 0.72, accuracy: 1e-9)
        progress.update("A", with: .step(experience: 1, of: 4, done: 5, steps: 10, iteration: 15, loss: 1), at: 9)
        // half of task 2 (0.1) took 5 s: 50 s per unit for the remaining 0.62
        XCTAssertEqual(progress.remaining("A", at: 9)!, 50 * 0.62, accuracy: 1e-9)
    }

    func testAFinishedRunCountsWholeAndLeavesNothingToDo() {
        var progress = plan()
        progress.update("A", with: .randomInitEvaluated(accuracy: [0, 0, 0, 0]), at: 0)
        for task in 0..<4 {
            let time = Double(10 * task)
            progress.update("A", with: .experienceStarted(experience: task, of: 4, done: 0, steps: 10), at: time)
            progress.update(
                "A",
                with: .step(
                    experience: task, of: 4, done: 10, steps: 10, iteration: 10 * task + 10,
                    loss: 1), at: time + 9)
            progress.update(
                "A",
                with: .experienceEvaluated(
                    experience: task, of: 4, accuracy: [0, 0, 0, 0],
                    trainSeconds: 9, evalSeconds: 1), at: time + 10)
        }
        XCTAssertEqual(progress.fraction("A"), 1, accuracy: 1e-12)
        progress.ended("A", at: 40)
        XCTAssertEqual(progress.remaining("A", at: 50), 0)
        // 40 s for A's 100 estimated
        XCTAssertEqual(progress.correction(at: 50)!, 0.4, accuracy: 1e-12)
        // B 200 × 0.4 = 80 in flight, C 50 × 0.4 = 20 queued: (80 + 20) / 2 = 50 < 80
        XCTAssertEqual(progress.planRemaining(at: 50).seconds, 80, accuracy: 1e-9)
        XCTAssertEqual(progress.counts.ended, 1)
        progress.started("C", at: 50)
        XCTAssertEqual(progress.counts.queued, 0)
    }

    /// A run resumed from a checkpoint starts past 0: only the share done in this process counts
    /// for its pace.
    func testAResumedRunIsTimedFromWhereItResumed() {
        var progress = plan()
        // task 3 of 4 from its step 5 of 10: training (2 + 0.5) / 4, evaluations b and two rows
        progress.update("A", with: .experienceStarted(experience: 2, of: 4, done: 5, steps: 10), at: 0)
        let start = 0.8 * 0.625 + 0.2 * 0.6
        XCTAssertEqual(progress.fraction("A"), start, accuracy: 1e-12)
        progress.update("A", with: .step(experience: 2, of: 4, done: 10, steps: 10, iteration: 30, loss: 1), at: 4)
        // 5 more steps: 0.8 × 5/40 = 0.1 done in 4 s
        XCTAssertEqual(progress.remaining("A", at: 4)!, 4 / 0.1 * (1 - start - 0.1), accuracy: 1e-9)
        XCTAssertEqual(progress.correction(at: 4)!, 4 / (0.1 * 100), accuracy: 1e-12)
    }

    /// Joint training plans T tasks but trains one experience: its events say so.
    func testOneExperienceForManyTasks() {
        var progress = plan()
        progress.update("B", with: .randomInitEvaluated(accuracy: [0, 0]), at: 0)
        progress.update("B", with: .experienceStarted(experience: 0, of: 1, done: 0, steps: 100), at: 0)
        progress.update("B", with: .step(experience: 0, of: 1, done: 50, steps: 100, iteration: 50, loss: 1), at: 1)
        // training 50/100, evaluations 1 of 2: 0.5 × 0.5 + 0.5 × 0.5
        XCTAssertEqual(progress.fraction("B"), 0.5, accuracy: 1e-12)
    }
}
