import Benchmarks
import Dispatch
import Evaluation
import Learning
import Metrics

/// Training settings shared by every strategy.
public struct TrainingSettings: Sendable, Equatable {
    public var learningRate: Float
    public var batchSize: Int
    public var epochs: Int
    public var momentum: Float
    /// Lanes for the row-parallel kernels (the sparse first layer over GEM's memories), whose
    /// results do not depend on it. Each product runs on one thread (`Kernels`), so that every
    /// number is computed the same way whatever the thread or job count.
    public var threads: Int
    /// Test rows evaluated at once (`ModelSpec.evaluationBatch`).
    public var evaluationBatch: Int
    /// Every this many minibatches, evaluate every task (the within-task curve), and evaluate the
    /// current task before and after each of its first `lcaSteps` minibatches (for LCA); 0: off.
    public var evalEvery: Int = 0
    /// β of LCA_β (Chaudhry et al. 2019, A-GEM): 10 as the paper.
    public var lcaSteps: Int = 10
    /// Evaluate the current task before and after each of its first `lcaSteps` minibatches (for
    /// LCA) even when `evalEvery` is 0 (`lca: true`): 1 + lcaSteps test sets per task, not all tasks.
    public var recordsEarlyAccuracy = false

    public init(
        learningRate: Float, batchSize: Int, epochs: Int = 1, momentum: Float = 0, threads: Int = 2,
        evaluationBatch: Int = 1000
    ) {
        (self.learningRate, self.batchSize, self.epochs, self.momentum, self.threads, self.evaluationBatch) =
            (learningRate, batchSize, epochs, momentum, threads, evaluationBatch)
    }
}

/// What a finished training run produced.
public struct TrainingResult {
    /// R[i][j]: accuracy on task j after training on task i (one row for joint training).
    public var accuracy: [[Double]]
    /// b[j]: accuracy on task j of the randomly initialised model.
    public var randomInitAccuracy: [Double]
    public var stepLoss: [Float] = []
    public var stepTask: [Int32] = []
    public var diagnostics: [String: [Float]] = [:]
    public var taskTrainSeconds: [Double] = []
    public var taskEvalSeconds: [Double] = []
    public var parameters: [Float] = []
    public var layout: [ParameterBlock] = []
    /// Non-trainable layer state at the end (batch-norm running statistics), and its layout.
    public var state: [Float] = []
    public var stateLayout: [ParameterBlock] = []
    public var episodicMemory: LabeledData?
    /// With `evalEvery` > 0: curve[k][j] = accuracy on task j after training iteration curveStep[k] (from 1).
    public var curve: [[Double]] = []
    public var curveStep: [Int] = []
    /// With `evalEvery` > 0 or `recordsEarlyAccuracy`: earlyAccuracy[t][b] = accuracy on experience t after b of its minibatches,
    /// b = 0 … lcaSteps (fewer when the experience has fewer).
    public var earlyAccuracy: [[Double]] = []

    public init(accuracy: [[Double]], randomInitAccuracy: [Double]) {
        (self.accuracy, self.randomInitAccuracy) = (accuracy, randomInitAccuracy)
    }

    public var metrics: ContinualMetrics { ContinualMetrics(accuracy: accuracy, randomInit: randomInitAccuracy) }
}

/// What the training loop reports as it goes: values it computes anyway (a step's loss, a row of
/// accuracies), never anything extra, so that watching a run cannot change it. `experience` is
/// the place in the schedule (from 0) of `of` experiences; `steps` a whole experience's minibatches.
public enum TrainingProgress: Sendable {
    /// b: accuracy on every task of the randomly initialised model (not after a resume).
    case randomInitEvaluated(accuracy: [Double])
    /// An experience begins, or goes on after a checkpoint with `done` of its steps behind it.
    case experienceStarted(experience: Int, of: Int, done: Int, steps: Int)
    /// One minibatch: `done` of `steps` in the experience, training iteration `iteration` (from 1),
    /// and its loss as `stepLoss` stores it.
    case step(experience: Int, of: Int, done: Int, steps: Int, iteration: Int, loss: Float)
    /// With `evalEvery`: accuracy on every task after training iteration `iteration`.
    case curveEvaluated(iteration: Int, accuracy: [Double])
    /// A row of R: accuracy on every task after the experience, and its training and evaluation seconds.
    case experienceEvaluated(experience: Int, of: Int, accuracy: [Double], trainSeconds: Double, evalSeconds: Double)
}

/// Receives the training loop's progress, on the thread that trains.
public typealias ProgressHandler = (TrainingProgress) -> Void

/// The training loop: experiences in order (the stream's tasks, unless a plugin schedules
/// others), minibatches of each, plugins at every hook (see `Plugin` for the contract), and
/// after each experience an evaluation on every task's test set.
public final class Trainer {
    /// The network being trained; a plugin may switch it between experiences (`use`).
    public private(set) var network: Network
    public let optimizer: SGD
    public let stream: TaskStream
    public let settings: TrainingSettings
    public let seed: UInt64
    public let plugins: [Plugin]
    /// The current minibatch; plugins may append rows in `beforeTrainingIteration`.
    public var batch: Minibatch
    public internal(set) var currentTask = 0
    public internal(set) var iteration = 0
    /// Output heads of the stream (task-incremental), used by loss and prediction.
    public let heads: OutputHeads?
    /// Set to stop at the next iteration boundary (Ctrl-C).
    public var shouldStop: () -> Bool = { false }
    /// Set to write a checkpoint at the next iteration boundary and stop (SIGTERM, SIGUSR1):
    /// `run` then throws `TrainingCheckpointed`. Needs `checkpointSink`.
    public var shouldCheckpoint: () -> Bool = { false }
    /// Receives every checkpoint `run` takes: after each experience but the last, and at the
    /// iteration boundary where `shouldCheckpoint` turned true. Nil: no checkpoints.
    public var checkpointSink: ((TrainingCheckpoint) throws -> Void)?

    private var logitGradient: [Float] = []
    private let evaluator: AccuracyEvaluator
    /// Where `run` stands: the experience's place in the schedule, and its training time so far
    /// (in earlier processes too, for a resumed run).
    var experiencePosition = 0
    var taskStart = DispatchTime.now()
    var taskSecondsBefore = 0.0
    var currentTaskSeconds: Double { taskSecondsBefore + seconds(since: taskStart) }

    public init(network: Network, stream: TaskStream, settings: TrainingSettings, seed: UInt64, plugins: [Plugin]) {
        self.network = network
        self.stream = stream
        self.settings = settings
        self.seed = seed
        self.plugins = plugins
        evaluator = AccuracyEvaluator(batchSize: settings.evaluationBatch, lanes: settings.threads)
        optimizer = SGD(learningRate: settings.learningRate, momentum: settings.momentum)
        batch = Minibatch(width: stream.inputWidth)
        heads = stream.heads
    }

    /// Trains `network` from now on (its optimizer state starts afresh).
    public func use(_ network: Network) {
        self.network = network
        optimizer.reset()
    }

    /// Accuracy on every task's test set.
    public func evaluateAll() -> [Double] { evaluate(stream.tasks) }

    /// Accuracy on one task's test set.
    public func evaluate(_ task: BenchmarkTask) -> Double { evaluate([task])[0] }

    /// Accuracy on each task's test set, in eval mode: by the argmax of the network, or of the
    /// one a plugin names for the task (an MLP's on `settings.threads` lanes), or, when a plugin
    /// predicts, by the first plugin that does.
    public func evaluate(_ tasks: [BenchmarkTask]) -> [Double] {
        guard plugins.contains(where: \.predicts) else {
            let networks = tasks.map { task in
                plugins.lazy.compactMap { $0.network(forTask: task.index) }.first ?? network
            }
            guard networks.allSatisfy({ $0 === network }) else {
                return zip(networks, tasks).map { accuracy(of: $0, on: [$1])[0] }
            }
            return accuracy(of: network, on: tasks)
        }
        network.mode = .eval
        defer { network.mode = .train }
        return tasks.map { task in
            evaluator.accuracy(on: task.test) { x, rows, tasks, predictions in
                for plugin in plugins
                where plugin.predict(self, task: task.index, inputs: x, rows: rows, tasks: tasks, into: predictions) {
                    return
                }
                network.predict(x, rows: rows, tasks: tasks, heads: heads, into: predictions)
            }
        }
    }

    /// Accuracy on every task's test set after the experiences `trained`, whose rows of R so far
    /// are `measured`: with a plugin that keeps trained tasks fixed, a task trained before the
    /// last experience keeps the accuracy measured after its own, the same bits as evaluating it.
    private func evaluateAll(after trained: ArraySlice<BenchmarkTask>, measured: [[Double]]) -> [Double] {
        guard plugins.contains(where: \.keepsTrainedTasksFixed) else { return evaluateAll() }
        var fixed: [Int: Double] = [:]
        for (e, experience) in zip(trained.indices, trained).dropLast() {
            guard let position = stream.tasks.firstIndex(where: { $0.index == experience.index }) else { continue }
            fixed[position] = measured[e][position]
        }
        let evaluated = stream.tasks.indices.filter { fixed[$0] == nil }
        for (position, accuracy) in zip(evaluated, evaluate(evaluated.map { stream.tasks[$0] })) {
            fixed[position] = accuracy
        }
        return stream.tasks.indices.map { fixed[$0]! }
    }

    private func accuracy(of network: Network, on tasks: [BenchmarkTask]) -> [Double] {
        network.mode = .eval
        defer { network.mode = .train }
        return evaluator.accuracies(of: network, on: tasks.map(\.test), heads: heads)
    }

    /// Trains on the experiences in order and returns the accuracy matrix and records. With
    /// `checkpoint` (a state `checkpointSink` received, in a fresh trainer of the same run), goes
    /// on from there: the result is bit for bit that of the run never stopped.
    public func run(progress: ProgressHandler? = nil, resumingFrom saved: SavedState? = nil) throws -> TrainingResult {
        try checkPlugins()
        var result: TrainingResult
        var position = TrainingPosition()
        if saved == nil {
            result = TrainingResult(accuracy: [], randomInitAccuracy: evaluateAll())
            progress?(.randomInitEvaluated(accuracy: result.randomInitAccuracy))
        } else {
            result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        }
        plugins.forEach { $0.beforeTraining(self) }
        let experiences = plugins.lazy.compactMap { $0.experiences(of: self.stream) }.first ?? stream.tasks
        if let saved { (result, position) = try restore(saved, experiences: experiences) }
        for e in position.experience..<experiences.count {
            let experience = experiences[e]
            (experiencePosition, currentTask, taskStart) = (e, experience.index, DispatchTime.now())
            let resumesInside = e == position.experience && position.isInsideExperience
            if !resumesInside { taskSecondsBefore = 0 }
            try train(
                on: experience, of: experiences.count, progress: progress, into: &result,
                from: resumesInside ? position : nil)
            result.taskTrainSeconds.append(taskSecondsBefore + seconds(since: taskStart))
            let evalStart = DispatchTime.now()
            result.accuracy.append(evaluateAll(after: experiences[...e], measured: result.accuracy))
            result.taskEvalSeconds.append(seconds(since: evalStart))
            progress?(
                .experienceEvaluated(
                    experience: e, of: experiences.count, accuracy: result.accuracy.last!,
                    trainSeconds: result.taskTrainSeconds.last!,
                    evalSeconds: result.taskEvalSeconds.last!))
            if e + 1 < experiences.count, let checkpointSink {
                taskSecondsBefore = 0
                try checkpointSink(checkpoint(at: TrainingPosition(experience: e + 1), of: experiences.count, result))
            }
        }
        finish(&result)
        return result
    }

    /// Each plugin's `check`: throws before anything trains when they cannot run together.
    public func checkPlugins() throws {
        for plugin in plugins { try plugin.check(self) }
    }

    /// One experience: `epochs` passes in a seeded random order, each minibatch a full step.
    /// `resume` is a checkpoint's place inside this experience (its `beforeTrainingExp` has run).
    public func train(
        on task: BenchmarkTask, of experienceCount: Int, progress: ProgressHandler?,
        into result: inout TrainingResult, from resume: TrainingPosition? = nil
    ) throws {
        if resume == nil { plugins.forEach { $0.beforeTrainingExp(self, task: task) } }
        let n = task.train.count
        let perEpoch = (n + settings.batchSize - 1) / settings.batchSize
        let steps = perEpoch * settings.epochs
        var done = resume?.stepsInExperience ?? 0
        progress?(.experienceStarted(experience: experiencePosition, of: experienceCount, done: done, steps: steps))
        let curves = settings.evalEvery > 0
        let early = curves || settings.recordsEarlyAccuracy
        if early && resume == nil { result.earlyAccuracy.append([evaluate(task)]) }
        for epoch in (resume?.epoch ?? 0)..<settings.epochs {
            // the order is re-derived from the seed, so a checkpoint keeps only the place in it
            var orderRNG = RandomStream(seed: seed, purpose: "order/\(task.index)/\(epoch)")
            let order = orderRNG.permutation(n)
            let first = epoch == resume?.epoch ? resume!.batchStart : 0
            for start in stride(from: first, to: n, by: settings.batchSize) {
                if shouldCheckpoint(), let checkpointSink {
                    let position = TrainingPosition(
                        inside: experiencePosition, epoch: epoch, batchStart: start,
                        stepsInExperience: done)
                    let saved = checkpoint(at: position, of: experienceCount, result)
                    try checkpointSink(saved)
                    throw TrainingCheckpointed(experience: experiencePosition, experiences: experienceCount, step: done)
                }
                if shouldStop() { throw TrainingInterrupted() }
                batch.removeAll()
                for i in order[start..<min(start + settings.batchSize, n)] { batch.append(task.train, row: i) }
                let loss = step()
                guard loss.isFinite else {
                    throw TrainingDiverged(task: task.index, step: done + 1, quantity: "loss", value: loss)
                }
                result.stepLoss.append(Float(loss))
                result.stepTask.append(Int32(task.index))
                done += 1
                progress?(
                    .step(
                        experience: experiencePosition, of: experienceCount, done: done, steps: steps,
                        iteration: iteration, loss: result.stepLoss[result.stepLoss.count - 1]))
                // evaluation runs in eval mode and draws nothing random: training goes on unchanged
                if early, done <= settings.lcaSteps {
                    result.earlyAccuracy[result.earlyAccuracy.count - 1].append(evaluate(task))
                }
                if curves, iteration % settings.evalEvery == 0 {
                    result.curve.append(evaluateAll())
                    result.curveStep.append(iteration)
                    progress?(.curveEvaluated(iteration: iteration, accuracy: result.curve[result.curve.count - 1]))
                }
            }
        }
        if let bad = (0..<network.parameterCount).first(where: { !network.parameters[$0].isFinite }) {
            throw TrainingDiverged(
                task: task.index, step: done, quantity: "parameter \(bad)",
                value: Double(network.parameters[bad]))
        }
        plugins.forEach { $0.afterTrainingExp(self, task: task) }
    }

    /// Forward, loss, backward, plugins, update; returns the batch's loss (mean cross-entropy
    /// plus the plugins' terms).
    @discardableResult
    func step() -> Double {
        plugins.forEach { $0.beforeTrainingIteration(self) }
        iteration += 1
        network.gradients.fill(0)
        let rows = batch.count
        let crossEntropyRows = min(batch.crossEntropyRows ?? rows, rows)
        let classes = network.outputWidth
        if logitGradient.count < rows * classes { logitGradient = [Float](repeating: 0, count: rows * classes) }
        let loss = batch.inputs.withUnsafeBufferPointer { x in
            batch.tasks.withUnsafeBufferPointer { t in
                batch.labels.withUnsafeBufferPointer { y in
                    logitGradient.withUnsafeMutableBufferPointer { g in
                        let logits = network.forward(x.baseAddress!, rows: rows, tasks: t.baseAddress!)
                        var loss = SoftmaxCrossEntropy.lossAndGradient(
                            logits: logits, labels: y.baseAddress!, rows: crossEntropyRows, classes: classes,
                            scale: 1 / Float(crossEntropyRows), tasks: t.baseAddress!, heads: heads,
                            gradient: g.baseAddress!)
                        // rows after `batch.crossEntropyRows` get only the plugins' terms
                        (g.baseAddress! + crossEntropyRows * classes)
                            .update(repeating: 0, count: (rows - crossEntropyRows) * classes)
                        for plugin in plugins {
                            loss += plugin.addLoss(self, logits: UnsafePointer(logits), logitGradient: g.baseAddress!)
                        }
                        return loss
                    }
                }
            }
        }
        logitGradient.withUnsafeBufferPointer { network.backward($0.baseAddress!) }
        plugins.forEach { $0.afterBackward(self) }
        optimizer.step(network)
        plugins.forEach { $0.afterUpdate(self) }
        return loss
    }

    /// Copies final parameters, layer state, diagnostics and memory into the result.
    func finish(_ result: inout TrainingResult) {
        if let stored = plugins.lazy.compactMap(\.storedParameters).first {
            (result.parameters, result.layout) = stored
        } else {
            result.parameters = network.parameters.array
            result.layout = network.layout
        }
        result.state = network.state.array
        result.stateLayout = network.stateLayout
        for plugin in plugins {
            result.diagnostics.merge(plugin.diagnostics) { a, _ in a }
            if let memory = plugin.episodicMemory { result.episodicMemory = memory }
        }
    }
}

/// Thrown when training stopped at an iteration boundary after writing a checkpoint
/// (`Trainer.shouldCheckpoint`): the run is not finished and resumes from it.
public struct TrainingCheckpointed: Error, CustomStringConvertible {
    /// The experience (from 0) and the steps of it done, as `TrainingCheckpoint` names them.
    public let experience: Int
    public let experiences: Int
    public let step: Int
    public var description: String { "checkpointed at task \(experience + 1) of \(experiences), step \(step)" }
}

/// Thrown when the loss, or a parameter at the end of a task, is not finite: the run has
/// diverged and its numbers mean nothing.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let task: Int
    /// Steps into the task (from 1).
    public let step: Int
    public let quantity: String
    public let value: Double

    public var description: String {
        "diverged: \(quantity) is \(value) at step \(step) of task \(task) (lower the learning rate?)"
    }
}

/// Thrown when training stops early on request (Ctrl-C).
public struct TrainingInterrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "training interrupted" }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
