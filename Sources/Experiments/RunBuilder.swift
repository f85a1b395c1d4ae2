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
            return PermutedBenchmark.make(
                dataset, tasks: spec.tasks, samplesPerTask: spec.samplesPerTask,
                testSamplesPerTask: spec.testSamplesPerTask, seed: seed)
        case .rotated:
            return RotatedBenchmark.make(
                dataset, tasks: spec.tasks, samplesPerTask: spec.samplesPerTask,
                testSamplesPerTask: spec.testSamplesPerTask, angles: spec.angles, seed: seed)
        case .split:
            return SplitBenchmark.make(
                dataset, scenario: spec.scenario, tasks: spec.tasks, classOrder: spec.classOrder,
                samplesPerTask: spec.samplesPerTask,
                testSamplesPerTask: spec.testSamplesPerTask, seed: seed)
        }
    }

    /// The trainer of `spec` on `stream`: its model (built from the `init` random stream), its
    /// optimizer settings and the plugins its method declares.
    public static func trainer(_ spec: RunSpec, stream: TaskStream, threads: Int) throws -> Trainer {
        let seed = UInt64(spec.seed)
        var settings = TrainingSettings(
            learningRate: Float(spec.optimizer.lr), batchSize: spec.optimizer.batchSize,
            epochs: spec.optimizer.epochs, momentum: Float(spec.optimizer.momentum),
            threads: threads, evaluationBatch: spec.model.evaluationBatch)
        settings.evalEvery = spec.optimizer.evalEvery
        settings.recordsEarlyAccuracy = spec.optimizer.lca
        let definition = spec.method.definition
        let makeNetwork = { (variant: ModelVariant, rng: inout RandomStream) throws -> Network in
            let network = try spec.model.build(
                inputShape: stream.inputShape, classes: stream.classCount, tasks: stream.tasks.count,
                variant: variant, rng: &rng)
            network.setLanes(threads)
            return network
        }
        var initRNG = RandomStream(seed: seed, purpose: "init")
        let network = try makeNetwork(definition.modelVariant(spec.method.values), &initRNG)
        let build = StrategyBuild(stream: stream, seed: seed, model: spec.model, makeNetwork: makeNetwork)
        let plugins = try definition.makePlugins(spec.method.values, build)
        return Trainer(network: network, stream: stream, settings: settings, seed: seed, plugins: plugins)
    }
}
