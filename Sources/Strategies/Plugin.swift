import Benchmarks
import Learning

/// A strategy's additions to the training loop, at the points Avalanche names
/// (`before_training_exp`, `before_training_iteration`, `after_backward`, ...).
///
/// Naive training is the loop with no plugin; GEM, A-GEM, replay and EWC are plugins.
/// Every hook has an empty default, so a plugin implements only what it changes.
public protocol Plugin: AnyObject {
    /// Once, before the first task.
    func beforeTraining(_ trainer: Trainer)
    /// Before training on `task`.
    func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask)
    /// The minibatch is filled; the plugin may extend it (replay) or prepare (GEM's reference gradients).
    func beforeTrainingIteration(_ trainer: Trainer)
    /// `trainer.network.gradients` holds the minibatch's gradient; the plugin may change it.
    func afterBackward(_ trainer: Trainer)
    /// The optimizer has stepped.
    func afterUpdate(_ trainer: Trainer)
    /// After training on `task` (store memories, compute importances, ...).
    func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask)

    /// Per-iteration diagnostics kept for the run record, e.g. "gem_violations".
    var diagnostics: [String: [Float]] { get }
    /// The episodic memory at the end of training, when the strategy keeps one.
    var episodicMemory: LabeledData? { get }
}

extension Plugin {
    public func beforeTraining(_ trainer: Trainer) {}
    public func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {}
    public func beforeTrainingIteration(_ trainer: Trainer) {}
    public func afterBackward(_ trainer: Trainer) {}
    public func afterUpdate(_ trainer: Trainer) {}
    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {}
    public var diagnostics: [String: [Float]] { [:] }
    public var episodicMemory: LabeledData? { nil }
}
