import Benchmarks
import Learning

/// A strategy's additions to the training loop, at the points Avalanche names
/// (`before_training_exp`, `before_training_iteration`, `after_backward`, ...).
///
/// Naive training is the loop with no plugin; every other method is one or more plugins.
/// Every hook has an empty default, so a plugin implements only what it changes; saving and
/// restoring its state for a checkpoint has none (see `saveState`).
///
/// The contract, in the order `Trainer` keeps it:
/// - Hooks run in the order the plugins are listed; a plugin that reads what another changes
///   must come after it.
/// - `check` runs once before anything trains; it throws when the plugin cannot run beside the
///   others (e.g. GEM's incremental path beside another plugin that changes the gradient).
/// - One step: `beforeTrainingIteration` (the minibatch is filled; gradients still hold the
///   previous step's values and are zeroed right after; a plugin may append rows or run its own
///   passes through the network) → zero gradients → forward → mean cross-entropy over every
///   batch row, or over the first `batch.crossEntropyRows` when a plugin set it → `addLoss` → backward → `afterBackward` (gradients hold the loss gradient; plugins that
///   change it declare `changesGradient`) → optimizer step → `afterUpdate`.
/// - Evaluation runs in eval mode between tasks; `predict` may replace the network's argmax.
/// - Layer state (`Network.state`) is never a plugin's to change, except through forwards in
///   train mode.
public protocol Plugin: AnyObject {
    /// Throws when this plugin cannot run with the trainer's other plugins or settings.
    func check(_ trainer: Trainer) throws
    /// Once, before the first task (after the randomly initialised model has been evaluated).
    func beforeTraining(_ trainer: Trainer)
    /// Before training on `task`.
    func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask)
    /// The minibatch is filled; the plugin may extend it (replay) or prepare (GEM's reference gradients).
    func beforeTrainingIteration(_ trainer: Trainer)
    /// Adds a loss term over the batch's logits (rows × classes): returns its value and adds its
    /// gradient with respect to the logits into `logitGradient`, which already holds the mean
    /// cross-entropy's.
    func addLoss(
        _ trainer: Trainer, logits: UnsafePointer<Float>,
        logitGradient: UnsafeMutablePointer<Float>
    ) -> Double
    /// `trainer.network.gradients` holds the minibatch's gradient; the plugin may change it.
    func afterBackward(_ trainer: Trainer)
    /// True when `afterBackward` changes the gradient.
    var changesGradient: Bool { get }
    /// The optimizer has stepped.
    func afterUpdate(_ trainer: Trainer)
    /// After training on `task` (store memories, compute importances, ...).
    func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask)

    /// The experiences to train on, when not the stream's tasks in order (joint training).
    func experiences(of stream: TaskStream) -> [BenchmarkTask]?
    /// Writes the predicted class of `rows` test inputs of task `task` and returns true, or
    /// returns false to leave prediction to the network's argmax.
    func predict(
        _ trainer: Trainer, task: Int, inputs: UnsafePointer<Float>, rows: Int,
        tasks: UnsafePointer<Int32>, into predictions: UnsafeMutablePointer<Int32>
    ) -> Bool
    /// The network that predicts task `task`'s test set, when not the trainer's (independent
    /// networks); evaluation then runs it as it runs the trainer's.
    func network(forTask task: Int) -> Network?
    /// True when the plugin implements `predict` (evaluation then asks it block by block; otherwise
    /// it never calls `predict` and evaluates the network's argmax, an MLP's on several lanes).
    var predicts: Bool { get }
    /// True when a task's predictions cannot change once the experience that trained it has
    /// ended (independent networks, PNN's frozen columns): after each later experience the
    /// trainer keeps the accuracy it measured then instead of evaluating the task again.
    var keepsTrainedTasksFixed: Bool { get }
    /// The parameters a run file stores, when not the trainer's network's (independent networks).
    var storedParameters: (values: [Float], layout: [ParameterBlock])? { get }

    /// Per-iteration diagnostics kept for the run record, e.g. "gem_violations".
    var diagnostics: [String: [Float]] { get }
    /// The episodic memory at the end of training, when the strategy keeps one.
    var episodicMemory: LabeledData? { get }

    /// Writes into `state` everything later steps depend on (memories, buffers, random-stream
    /// positions, diagnostics so far), for a checkpoint taken between two minibatches or two
    /// tasks. No default: forgetting a part would make a resumed run differ. A plugin without
    /// state conforms to `StatelessPlugin`.
    func saveState(_ trainer: Trainer, into state: inout SavedState)
    /// Restores what `saveState` wrote, into a fresh plugin of the same config, after its
    /// `beforeTraining` and with `trainer.currentTask` set; the next hook is then the one that
    /// followed the checkpoint (`beforeTrainingIteration`, or `beforeTrainingExp` of the next task).
    func restoreState(_ trainer: Trainer, from state: SavedState) throws
}

/// A plugin that keeps nothing between hooks (what it does follows from the stream alone).
public protocol StatelessPlugin: Plugin {}

extension StatelessPlugin {
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {}
    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {}
}

extension Plugin {
    public func check(_ trainer: Trainer) throws {}
    public func beforeTraining(_ trainer: Trainer) {}
    public func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {}
    public func beforeTrainingIteration(_ trainer: Trainer) {}
    public func addLoss(
        _ trainer: Trainer, logits: UnsafePointer<Float>,
        logitGradient: UnsafeMutablePointer<Float>
    ) -> Double { 0 }
    public func afterBackward(_ trainer: Trainer) {}
    public var changesGradient: Bool { false }
    public func afterUpdate(_ trainer: Trainer) {}
    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {}
    public func experiences(of stream: TaskStream) -> [BenchmarkTask]? { nil }
    public func predict(
        _ trainer: Trainer, task: Int, inputs: UnsafePointer<Float>, rows: Int,
        tasks: UnsafePointer<Int32>, into predictions: UnsafeMutablePointer<Int32>
    ) -> Bool { false }
    public func network(forTask task: Int) -> Network? { nil }
    public var predicts: Bool { false }
    public var keepsTrainedTasksFixed: Bool { false }
    public var storedParameters: (values: [Float], layout: [ParameterBlock])? { nil }
    public var diagnostics: [String: [Float]] { [:] }
    public var episodicMemory: LabeledData? { nil }
}

/// A plugin cannot run as configured; nothing has trained yet.
public struct StrategyConflict: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
