import Benchmarks
import Learning

/// A place between two minibatches of a run: the experience (its index in the schedule), the
/// epoch, the first row of the next minibatch in that epoch's order, and the steps done in the
/// experience. `TrainingPosition(experience: k)` is the start of experience k, before its
/// `beforeTrainingExp`; inside an experience (`isInsideExperience`) that hook has run.
public struct TrainingPosition: Sendable, Equatable {
    public var experience = 0
    public var isInsideExperience = false
    public var epoch = 0
    public var batchStart = 0
    public var stepsInExperience = 0

    public init(experience: Int = 0) { self.experience = experience }

    public init(inside experience: Int, epoch: Int, batchStart: Int, stepsInExperience: Int) {
        (self.experience, self.epoch, self.batchStart, self.stepsInExperience) = (
            experience, epoch, batchStart, stepsInExperience
        )
        isInsideExperience = true
    }
}

/// What `Trainer.checkpointSink` receives: the whole state (`Trainer.run(resumingFrom:)`
/// continues from it) and where it was taken, for messages.
public struct TrainingCheckpoint {
    public let state: SavedState
    public let position: TrainingPosition
    public let experiences: Int
}

// The trainer's part of a checkpoint, under "trainer/"; plugin i's under "plugin<i>/".
extension Trainer {
    func checkpoint(at position: TrainingPosition, of experiences: Int, _ result: TrainingResult) -> TrainingCheckpoint
    {
        var state = SavedState()
        state.set("trainer/position/experience", position.experience)
        state.set("trainer/position/inside_experience", position.isInsideExperience ? 1 : 0)
        state.set("trainer/position/epoch", position.epoch)
        state.set("trainer/position/batch_start", position.batchStart)
        state.set("trainer/position/steps_in_experience", position.stepsInExperience)
        state.set("trainer/position/experiences", experiences)
        state.set("trainer/iteration", iteration)
        state.set("trainer/network/parameters", floats: network.parameters.array)
        state.set("trainer/network/state", floats: network.state.array)
        state.set("trainer/optimizer/momentum", floats: optimizer.momentumBuffer)
        state.set("trainer/result/accuracy", rows: result.accuracy)
        state.set("trainer/result/random_init_accuracy", doubles: result.randomInitAccuracy)
        state.set("trainer/result/step_loss", floats: result.stepLoss)
        state.set("trainer/result/step_task", integers: result.stepTask.map(Int.init))
        state.set("trainer/result/task_train_seconds", doubles: result.taskTrainSeconds)
        state.set("trainer/result/task_eval_seconds", doubles: result.taskEvalSeconds)
        state.set("trainer/result/curve", rows: result.curve)
        state.set("trainer/result/curve_step", integers: result.curveStep)
        state.set("trainer/result/early_accuracy", rows: result.earlyAccuracy)
        // training time of the experience in flight (0 at an experience's start)
        let inFlight = position.isInsideExperience ? currentTaskSeconds : 0
        state.set("trainer/current_task_seconds", doubles: [inFlight])
        for (i, plugin) in plugins.enumerated() {
            var part = SavedState()
            plugin.saveState(self, into: &part)
            state.merge(part, under: "plugin\(i)")
        }
        return TrainingCheckpoint(state: state, position: position, experiences: experiences)
    }

    /// Restores a checkpoint into this fresh trainer (plugins first: one may switch the
    /// network, whose parameters, layer state and momentum are then restored).
    func restore(_ state: SavedState, experiences: [BenchmarkTask]) throws -> (TrainingResult, TrainingPosition) {
        var position = TrainingPosition(experience: try state.int("trainer/position/experience"))
        if try state.int("trainer/position/inside_experience") == 1 {
            position = TrainingPosition(
                inside: position.experience, epoch: try state.int("trainer/position/epoch"),
                batchStart: try state.int("trainer/position/batch_start"),
                stepsInExperience: try state.int("trainer/position/steps_in_experience"))
        }
        guard (0..<experiences.count).contains(position.experience), (0..<settings.epochs).contains(position.epoch),
            position.batchStart >= 0, position.stepsInExperience >= 0,
            try state.int("trainer/position/experiences") == experiences.count
        else {
            throw SavedStateError(
                key: "trainer/position",
                problem: "not a place in this run of \(experiences.count) experiences: \(position)")
        }
        // the task trained last before the checkpoint: plugins restore what they had switched to
        currentTask =
            experiences[position.isInsideExperience ? position.experience : max(0, position.experience - 1)].index
        for (i, plugin) in plugins.enumerated() {
            try plugin.restoreState(self, from: state.substate(under: "plugin\(i)"))
        }
        iteration = try state.int("trainer/iteration")
        network.parameters.copy(
            from: FloatBuffer(try state.floats("trainer/network/parameters", count: network.parameterCount)))
        network.state.copy(from: FloatBuffer(try state.floats("trainer/network/state", count: network.state.count)))
        let momentum = try state.floats("trainer/optimizer/momentum")
        guard momentum.isEmpty || momentum.count == network.parameterCount else {
            throw SavedStateError(
                key: "trainer/optimizer/momentum",
                problem: "holds \(momentum.count) values for \(network.parameterCount) parameters")
        }
        optimizer.momentumBuffer = momentum

        var result = TrainingResult(
            accuracy: try state.rows("trainer/result/accuracy"),
            randomInitAccuracy: try state.doubles("trainer/result/random_init_accuracy"))
        result.stepLoss = try state.floats("trainer/result/step_loss")
        result.stepTask = try state.integers("trainer/result/step_task", count: result.stepLoss.count).map { Int32($0) }
        result.taskTrainSeconds = try state.doubles("trainer/result/task_train_seconds")
        result.taskEvalSeconds = try state.doubles("trainer/result/task_eval_seconds")
        result.curve = try state.rows("trainer/result/curve")
        result.curveStep = try state.integers("trainer/result/curve_step", count: result.curve.count)
        result.earlyAccuracy = try state.rows("trainer/result/early_accuracy")
        taskSecondsBefore = try state.doubles("trainer/current_task_seconds", count: 1)[0]
        return (result, position)
    }
}
