import ArgumentParser
import Data
import Experiments
import Learning
import Strategies

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List suites, experiments, strategies, models and datasets.")

    @OptionGroup var location: LocationOptions

    func run() throws {
        let registry = try location.loadRegistry()
        print("Suites:")
        for suite in registry.suiteNames {
            let names = registry.suites[suite] ?? []
            let runs = (try? registry.plan(suite: suite).count) ?? 0
            print("  \(suite) (\(runs) runs): \(names.joined(separator: ", "))")
        }
        print("\nExperiments:")
        for experiment in registry.experiments {
            let b = experiment.benchmark
            let samples = b.samplesPerTask.map { "\($0)" } ?? "all"
            print(
                "  \(experiment.name)  [\(b.kind.rawValue) \(b.dataset.rawValue), \(b.tasks) tasks × \(samples) samples, "
                    + "\(b.scenario.rawValue); seeds \(experiment.seeds.map(String.init).joined(separator: ","))]")
            for strategy in experiment.strategies {
                let parameters = strategy.method.parameters.map { "\($0.key)=\($0.value)" }
                let settings = ["lr=\(strategy.optimizer.lr)"] + parameters
                print(
                    "    \(experiment.name)/\(strategy.label): \(strategy.method.name) (\(settings.joined(separator: ", ")))"
                )
            }
        }
        print("\nMethods (YAML `method:`; keys with their defaults, * = required):")
        for definition in StrategyList.all {
            print("  \(definition.name): \(definition.abstract)")
            for parameter in definition.parameters {
                let value =
                    parameter.automatic != nil
                    ? "= \(StrategyParameter.autoWord)"
                    : parameter.defaultValue.map { "= \($0.canonicalText)" } ?? "*"
                print("      \(parameter.key) \(value)  \(parameter.help)")
            }
        }
        print("\nModels (YAML `model: {kind: ...}`; keys with their defaults):")
        for definition in ModelList.all {
            print("  \(definition.kind): \(definition.abstract)")
            for key in definition.keys {
                let value =
                    key.kind == .positiveInt
                    ? "\(key.defaultValue[0])"
                    : "[" + key.defaultValue.map(String.init).joined(separator: ", ") + "]"
                print("      \(key.name) = \(value)  \(key.help)")
            }
        }
        print("\nDatasets (YAML `benchmark.dataset`):")
        for dataset in DatasetList.all {
            let shape = dataset.imageShape.map(String.init).joined(separator: "x")
            let source = dataset.fetchSource == nil ? "ships in Data/\(dataset.name)" : "bench fetch \(dataset.name)"
            print(
                "  \(dataset.name): \(dataset.displayName), \(shape) images, \(dataset.trainImagesPerClass.count) classes, "
                    + "\(dataset.trainImagesPerClass.reduce(0, +)) training and \(dataset.testImagesPerClass.reduce(0, +)) test images; \(source)"
            )
        }
        print(
            "\nKernels: version \(Kernels.version), \(Kernels.path) path (available here: "
                + Kernels.availablePaths.joined(separator: ", ")
                + "; GEMBENCH_KERNELS picks one; every path gives the same bits)")
    }
}
