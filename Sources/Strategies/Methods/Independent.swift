import Benchmarks
import Learning

/// The GEM paper's "independent" baseline: one small network per task, each with the hidden
/// widths divided by the number of tasks (100 / 20 = 5 units per layer), so the total capacity
/// matches the single model. With `warm_start`, task t's network starts from task t−1's trained
/// weights, as the paper's runs do. Task j is always evaluated with network j (still at its
/// initialisation before task j is trained). The run file stores every network, `taskT.` first.
public enum Independent: StrategyDefinition {
    public static let name = "independent"
    public static let abstract = "one narrow network per task (hidden widths divided by the task count)"
    public static let parameters: [StrategyParameter] = [
        StrategyParameter(
            "warm_start", .bool, default: .bool(false),
            help: "start each task's network from the previous task's trained weights")
    ]

    public static func modelVariant(_ values: StrategyValues) -> ModelVariant { .hiddenDividedAmongTasks }

    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        context.model.problem(with: .hiddenDividedAmongTasks, tasks: context.tasks).map {
            [StrategyProblem(key: nil, $0)]
        } ?? []
    }

    public static func summary(_ values: StrategyValues) -> String {
        "independent " + (values.bool("warm_start") ? "warm-start" : "cold-start")
    }

    /// One narrow network's forward; task k is evaluated k + 2 times (at the start and after tasks
    /// 0…k; later rows keep its accuracy), (tasks + 3) / 2 of the tasks + 1 rows on average.
    public static func evaluationFLOPsPerRow(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs)
        -> Double
    {
        row.sparseForward * Double(context.tasks + 3) / Double(2 * (context.tasks + 1))
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) throws -> [Plugin] {
        var rng = RandomStream(seed: build.seed, purpose: "init")
        let networks = try build.stream.tasks.map { _ in try build.makeNetwork(.hiddenDividedAmongTasks, &rng) }
        return [IndependentNetworks(networks, warmStart: values.bool("warm_start"))]
    }
}

/// Trains network t on task t and predicts task j with network j.
final class IndependentNetworks: Plugin {
    let networks: [Network]
    let warmStart: Bool

    init(_ networks: [Network], warmStart: Bool) { (self.networks, self.warmStart) = (networks, warmStart) }

    func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let t = task.index
        if warmStart && t > 0 { networks[t].parameters.copy(from: networks[t - 1].parameters) }
        trainer.use(networks[t])
    }

    func network(forTask task: Int) -> Network? { networks[task] }

    /// Network t trains only in task t's experience (a warm start copies it into t + 1); PNN's
    /// column t reads only the columns before it, frozen as well.
    var keepsTrainedTasksFixed: Bool { true }

    /// Every network's parameters and layer state; on restore the trainer goes back to the
    /// current task's network, as `beforeTrainingExp` switched it.
    func saveState(_ trainer: Trainer, into state: inout SavedState) {
        for (t, network) in networks.enumerated() {
            state.set("network\(t)/parameters", floats: network.parameters.array)
            state.set("network\(t)/state", floats: network.state.array)
        }
    }

    func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        for (t, network) in networks.enumerated() {
            network.parameters.copy(
                from: FloatBuffer(try state.floats("network\(t)/parameters", count: network.parameterCount)))
            network.state.copy(from: FloatBuffer(try state.floats("network\(t)/state", count: network.state.count)))
        }
        trainer.use(networks[trainer.currentTask])
    }

    var storedParameters: (values: [Float], layout: [ParameterBlock])? {
        var values: [Float] = []
        var layout: [ParameterBlock] = []
        for (t, network) in networks.enumerated() {
            layout += network.layout.map {
                ParameterBlock(name: "task\(t).\($0.name)", shape: $0.shape, offset: values.count + $0.offset)
            }
            values += network.parameters.array
        }
        return (values, layout)
    }
}
