import Strategies

/// How far a plan has got and when it should end, for the progress display: each run's share of
/// its cost estimate done, and the estimate corrected by how long the work done so far took.
///
/// A run's share done weighs its training steps and its evaluations as `CostEstimate` weighs
/// them: `fraction = trainShare · (experiences done + steps done / steps) / experiences
/// + (1 − trainShare) · evaluations done / (experiences + 1)` (b and one row of R per experience).
/// The correction is measured seconds over estimated seconds of all the work done in this
/// process. A run's remaining time goes at its own measured pace once it has one: that of the
/// experience under way once a tenth of it is done, else of the experience before (with its
/// evaluation), else of the run so far; the latest pace, because a method's steps may grow
/// dearer task after task (GEM's with every memory).
public struct PlanProgress {
    struct Run {
        let estimate: Double
        let trainShare: Double
        var start: Double?
        var end: Double?
        var experiences: Int
        var experience = 0
        var done = 0
        var steps = 1
        var evaluations = 0
        /// The fraction when this process began the run (a resumed run begins past 0).
        var fractionAtStart: Double?
        /// Time and fraction when the experience under way began; seconds per unit of fraction
        /// of the experience before.
        var experienceMark: (time: Double, fraction: Double)?
        var lastPace: Double?

        var fraction: Double {
            let trained = (Double(experience) + Double(done) / Double(max(steps, 1))) / Double(max(experiences, 1))
            let evaluated = Double(evaluations) / Double(experiences + 1)
            return min(1, trainShare * trained + (1 - trainShare) * evaluated)
        }

        /// Seconds per unit of fraction, measured (see `PlanProgress`).
        func pace(at now: Double) -> Double? {
            if let mark = experienceMark, done * 10 >= steps, fraction > mark.fraction {
                return (now - mark.time) / (fraction - mark.fraction)
            }
            if let lastPace { return lastPace }
            if let start, let begin = fractionAtStart, fraction - begin > 0.01 {
                return (now - start) / (fraction - begin)
            }
            return nil
        }
    }

    private var runs: [String: Run] = [:]
    private var queued: Set<String> = []
    /// Runs trained at the same time.
    public let jobs: Int

    /// What the progress of one run is measured against.
    public struct Estimate {
        public let runID: String
        /// Estimated seconds, and their share spent training (the rest evaluating).
        public let seconds: Double
        public let trainShare: Double
        /// Experiences as planned (a strategy may train fewer, as joint training's one).
        public let experiences: Int

        public init(runID: String, seconds: Double, trainShare: Double, experiences: Int) {
            (self.runID, self.seconds, self.trainShare, self.experiences) = (runID, seconds, trainShare, experiences)
        }

        /// A run's cost estimate (`RunSpec.estimatedCost`).
        public init(_ spec: RunSpec) {
            let cost = spec.estimatedCost
            let train = cost.trainingFLOPs / cost.rates.minibatch + cost.methodFLOPs / cost.rates.bulk
            self.init(
                runID: spec.runID, seconds: cost.seconds, trainShare: cost.seconds > 0 ? train / cost.seconds : 1,
                experiences: spec.benchmark.tasks)
        }
    }

    /// Every run counts as queued until `planned` says which will train.
    public init(_ estimates: [Estimate], jobs: Int) {
        self.jobs = max(1, min(jobs, estimates.count))
        for estimate in estimates {
            runs[estimate.runID] = Run(
                estimate: estimate.seconds, trainShare: estimate.trainShare,
                experiences: estimate.experiences)
        }
        queued = Set(runs.keys)
    }

    public init(plan: [RunSpec], jobs: Int) { self.init(plan.map(Estimate.init), jobs: jobs) }

    /// Only these runs will train (the others are complete and skipped).
    public mutating func planned(_ runIDs: [String]) { queued = Set(runIDs).intersection(runs.keys) }

    public mutating func started(_ runID: String, at time: Double) {
        queued.remove(runID)
        runs[runID]?.start = time
    }

    /// A run that will not train further here: finished, failed, checkpointed or skipped.
    public mutating func ended(_ runID: String, at time: Double) {
        queued.remove(runID)
        if runs[runID]?.start != nil, runs[runID]?.end == nil { runs[runID]?.end = time }
    }

    /// `done` steps of the experience under way (what a `.step` says; a display that sees every
    /// step may pass on only the last when it draws).
    public mutating func stepsDone(_ runID: String, _ done: Int) { runs[runID]?.done = done }

    public mutating func update(_ runID: String, with progress: TrainingProgress, at time: Double) {
        if case .step(_, _, let done, _, _, _) = progress { return stepsDone(runID, done) }
        guard var run = runs[runID] else { return }
        switch progress {
        case .randomInitEvaluated:
            if run.fractionAtStart == nil { run.fractionAtStart = 0 }
            run.evaluations = 1
        case .experienceStarted(let experience, let experiences, let done, let steps):
            (run.experience, run.experiences, run.done, run.steps) = (experience, experiences, done, steps)
            run.evaluations = max(run.evaluations, experience + 1)  // b and the rows before it
            if run.fractionAtStart == nil { run.fractionAtStart = run.fraction }
            run.experienceMark = (time, run.fraction)
        case .step, .curveEvaluated:
            break
        case .experienceEvaluated(let experience, let experiences, _, _, _):
            (run.experience, run.experiences, run.done) = (experience + 1, experiences, 0)
            run.evaluations = experience + 2
            if let mark = run.experienceMark, run.fraction > mark.fraction {
                run.lastPace = (time - mark.time) / (run.fraction - mark.fraction)
            }
            run.experienceMark = nil
        }
        runs[runID] = run
    }

    /// The share of `runID` done, 0 … 1.
    public func fraction(_ runID: String) -> Double { runs[runID]?.fraction ?? 0 }

    /// Measured seconds per estimated second over the work done in this process; nil before any.
    public func correction(at now: Double) -> Double? {
        var measured = 0.0
        var estimated = 0.0
        for run in runs.values {
            guard let start = run.start, let begin = run.fractionAtStart else { continue }
            let doneHere = run.fraction - begin
            guard doneHere > 0 else { continue }
            measured += (run.end ?? now) - start
            estimated += doneHere * run.estimate
        }
        return estimated > 0 ? measured / estimated : nil
    }

    /// Seconds until `runID` ends: at its own pace once it has one, else at the estimate
    /// corrected as far as measured (nil before anything is measured).
    public func remaining(_ runID: String, at now: Double) -> Double? {
        guard let run = runs[runID], run.end == nil else { return 0 }
        if let pace = run.pace(at: now) { return pace * (1 - run.fraction) }
        return correction(at: now).map { run.estimate * (1 - run.fraction) * $0 }
    }

    /// Seconds until the plan ends: the runs in flight each at its pace, the queued ones at the
    /// corrected estimate, spread over the jobs (never before the longest run in flight ends).
    /// Without a measurement, the plain estimate (`measured` false).
    public func planRemaining(at now: Double) -> (seconds: Double, measured: Bool) {
        let correction = correction(at: now)
        let flying = runs.filter { $0.value.start != nil && $0.value.end == nil }.map { id, run in
            remaining(id, at: now) ?? run.estimate * (1 - run.fraction)
        }
        let waiting = queued.compactMap { runs[$0]?.estimate }.reduce(0, +) * (correction ?? 1)
        let spread = (flying.reduce(0, +) + waiting) / Double(jobs)
        return (max(flying.max() ?? 0, spread), correction != nil)
    }

    /// Runs ended (finished, failed or stopped) and runs still to start, of those planned to train.
    public var counts: (ended: Int, inFlight: Int, queued: Int) {
        let started = runs.values.filter { $0.start != nil }
        return (started.filter { $0.end != nil }.count, started.filter { $0.end == nil }.count, queued.count)
    }
}
