import Benchmarks
import Data
import Learning
import Strategies

/// Turns a resolved run specification into the objects that train it.
public enum RunBuilder {
    /// The seeded task stream of `spec` on `dataset`.
    public static func stream(_ spec: BenchmarkSpec, dataset: LoadedDataset, seed: Int) -> TaskStream {
        let seed = UInt64(seed)
        switch spec.kind {
        case .permuted:
            return PermutedBenchmark.make(dataset, tasks: spec.tasks, samplesPerTask: spec.samplesPerTask,
                                          testSamplesPerTask: spec.testSamplesPerTask, seed: seed)
        case .rotated:
            return RotatedBenchmark.make(dataset, tasks: spec.tasks, samplesPerTask: spec.samplesPerTask,
                                         testSamplesPerTask: spec.testSamplesPerTask, angles: spec.angles, seed: seed)
        case .split:
            return SplitBenchmark.make(dataset, scenario: spec.scenario, tasks: spec.tasks, classOrder: spec.classOrder,
                                       samplesPerTask: spec.samplesPerTask,
                                       testSamplesPerTask: spec.testSamplesPerTask, seed: seed)
        }
    }

    /// Layer sizes of the model: input, hidden..., classes.
    static func sizes(_ spec: RunSpec, _ stream: TaskStream) -> [Int] {
        [stream.inputWidth] + spec.model.hidden + [stream.classCount]
    }

    /// Trains `spec` on `stream` with the method it names.
    public static func train(_ spec: RunSpec, stream: TaskStream, threads: Int,
                             progress: ProgressHandler?, shouldStop: @escaping () -> Bool) throws -> TrainingResult {
        let seed = UInt64(spec.seed)
        let settings = TrainingSettings(learningRate: Float(spec.optimizer.lr), batchSize: spec.optimizer.batchSize,
                                        epochs: spec.optimizer.epochs, momentum: Float(spec.optimizer.momentum),
                                        threads: threads)
        var initRNG = RandomStream(seed: seed, purpose: "init")
        let sizes = self.sizes(spec, stream)
        func sequential(_ network: Network, _ plugins: [Plugin]) throws -> TrainingResult {
            let trainer = Trainer(network: network, stream: stream, settings: settings, seed: seed, plugins: plugins)
            trainer.shouldStop = shouldStop
            return try trainer.run(progress: progress)
        }
        switch spec.method {
        case .naive:
            return try sequential(Network.mlp(sizes, rng: &initRNG), [])
        case let .replay(memorySize):
            return try sequential(Network.mlp(sizes, rng: &initRNG), [ReplayPlugin(memorySize: memorySize, seed: seed)])
        case let .gem(patterns, strength, selection, references, sparse):
            let gem = GEMPlugin(patternsPerExperience: patterns, memoryStrength: Float(strength),
                                memorySelection: selection, inputWidth: stream.inputWidth, seed: seed,
                                referenceGradients: references, sparseFirstLayer: sparse)
            return try sequential(Network.mlp(sizes, rng: &initRNG), [gem])
        case let .agem(patterns, sampleSize):
            let agem = AGEMPlugin(patternsPerExperience: patterns, sampleSize: sampleSize,
                                  inputWidth: stream.inputWidth, seed: seed)
            return try sequential(Network.mlp(sizes, rng: &initRNG), [agem])
        case let .ewc(patterns, lambda):
            return try sequential(Network.mlp(sizes, rng: &initRNG),
                                  [EWCPlugin(patternsPerExperience: patterns, lambda: Float(lambda), seed: seed)])
        case .multimodal:
            return try sequential(Network.multimodal(sizes, tasks: stream.tasks.count, rng: &initRNG), [])
        case .joint:
            let joint = JointTraining(network: Network.mlp(sizes, rng: &initRNG), stream: stream,
                                      settings: settings, seed: seed)
            joint.trainer.shouldStop = shouldStop
            return try joint.run(progress: progress)
        case let .independent(warmStart):
            let independent = IndependentTraining(sizes: sizes, stream: stream, settings: settings, seed: seed,
                                                  warmStart: warmStart)
            independent.shouldStop = shouldStop
            return try independent.run(progress: progress)
        }
    }
}
