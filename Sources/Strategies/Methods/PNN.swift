import Benchmarks
import Learning

/// Progressive neural networks (Rusu et al. 2016) on the experiment's MLP, as the A-GEM paper
/// ran them (facebookresearch/agem, `model/model.py`: `init_fc_column_progNN`,
/// `extensible_fc_column_progNN`): one column of the model's full widths per task; column k's
/// every layer above the first also reads the previous hidden layer of every earlier column,
/// through a plain linear lateral map (`ProgressiveNetwork`; the A-GEM code also gives the first
/// layer a lateral copy of the input per earlier column, which docs/methods.md says why we do
/// not). Task k trains column k and its
/// laterals; the earlier columns are frozen, so a task's accuracy never changes after its
/// training (no forgetting, by construction). Task j is always predicted by column j, through
/// its own output layer (before task j, column j is at its initialisation). The run file
/// stores every column's parameters, `task<k>.layer0.` first (column k is its network's one layer).
public enum PNN: StrategyDefinition {
    public static let name = "pnn"
    public static let abstract =
        "progressive networks: a new MLP column per task with lateral connections to the frozen earlier ones"
    public static let parameters: [StrategyParameter] = []

    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        var problems: [StrategyProblem] = []
        if !context.model.isMLP {
            problems.append(
                StrategyProblem(
                    key: nil,
                    "pnn builds its columns and lateral connections from an MLP (model.kind: mlp), not \(context.model.kind)"
                ))
        }
        if context.scenario == .classIncremental {
            problems.append(
                StrategyProblem(
                    key: nil,
                    "pnn picks each test row's column by its task id, which a class-incremental stream does not give; use task-incremental"
                ))
        }
        return problems
    }

    static func shape(_ context: StrategyContext) -> ProgressiveShape {
        ProgressiveShape(
            input: context.inputShape.reduce(1, *), hidden: context.model.hiddenWidths ?? [],
            classes: context.classes)
    }

    /// Beside one column's parameters, gradients and momentum (the model's three copies): every
    /// column's parameters and gradients (each column is a `Network` with both), and the momentum
    /// of the largest.
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double {
        guard context.model.isMLP else { return 0 }
        let shape = shape(context)
        let t = context.tasks
        let one = Double(shape.parameters(ofColumn: 0))
        let largest = Double(shape.parameters(ofColumn: t - 1))
        return (2 * Double(shape.parameters(columns: t)) + largest - 3 * one) / one
    }

    /// Training column k: the earlier columns' hidden layers forward and column k's laterals
    /// forward and backward, beside what one column costs (`row`), averaged over the tasks.
    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    {
        guard context.model.isMLP else { return 0 }
        let shape = shape(context)
        let t = context.tasks
        let perRow =
            (0..<t).reduce(0.0) { sum, k in
                sum + 2 * Double(shape.forwardMultiplyAdds(ofColumn: k)) + 4 * Double(shape.parameters(ofColumn: k))
            } / Double(t)
        return Double(context.batchSize) * (perRow - row.full)
    }

    /// Task k's test rows go through columns 0…k, densely; task k is evaluated k + 2 times (at
    /// the start and after tasks 0…k; later rows keep its accuracy), averaged over the
    /// (tasks + 1) × tasks entries of b and R.
    public static func evaluationFLOPsPerRow(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs)
        -> Double
    {
        guard context.model.isMLP else { return row.sparseForward }
        let shape = shape(context)
        let t = context.tasks
        return (0..<t).reduce(0.0) { $0 + Double($1 + 2) * 2 * Double(shape.forwardMultiplyAdds(ofColumn: $1)) }
            / Double(t * (t + 1))
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) throws -> [Plugin] {
        guard let hidden = build.model.hiddenWidths else {
            throw StrategyConflict("pnn needs an MLP (model.kind: mlp), not \(build.model.kind)")
        }
        var rng = RandomStream(seed: build.seed, purpose: "init")
        let shape = ProgressiveShape(input: build.stream.inputWidth, hidden: hidden, classes: build.stream.classCount)
        // column t trains on task t and predicts task j, as independent training's networks do
        let network = ProgressiveNetwork(shape, columns: build.stream.tasks.count, rng: &rng)
        return [IndependentNetworks(network.columns, warmStart: false)]
    }
}
