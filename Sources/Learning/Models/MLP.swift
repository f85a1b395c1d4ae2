/// Fully connected layers `input-h1-...-hk-classes` with ReLU between them (`Network.mlp`): the
/// GEM paper's MNIST model with `hidden: [100, 100]`, the A-GEM paper's with `[256, 256]`.
public enum MLP: ModelDefinition {
    public static let kind = "mlp"
    public static let abstract =
        "fully connected layers with ReLU between them (the GEM paper's MNIST model: 784-100-100-10)"
    public static let keys = [ModelKey("hidden", .positiveIntList, default: [100, 100], help: "hidden layer widths")]
    public static let isMLP = true
    /// Large blocks for the matrix products.
    public static let evaluationBatch = 1000

    public static func build(
        _ spec: ModelSpec, inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant,
        rng: inout RandomStream
    ) throws -> Network {
        let inputWidth = inputShape.reduce(1, *)
        let hidden = spec.list("hidden")
        switch variant {
        case .standard:
            return Network.mlp([inputWidth] + hidden + [classes], rng: &rng)
        case .hiddenDividedAmongTasks:
            return Network.mlp([inputWidth] + hidden.map { max(1, $0 / tasks) } + [classes], rng: &rng)
        case .taskRoutedInput:
            return Network.multimodal([inputWidth] + hidden + [classes], tasks: tasks, rng: &rng)
        }
    }

    public static func problem(_ spec: ModelSpec, withInput inputShape: [Int]) -> String? { nil }

    public static func problem(_ spec: ModelSpec, with variant: ModelVariant, tasks: Int) -> String? {
        guard variant == .hiddenDividedAmongTasks, let narrow = spec.list("hidden").first(where: { $0 < tasks }) else {
            return nil
        }
        return
            "independent divides each hidden layer among the \(tasks) tasks, but model.hidden has a layer of \(narrow) units"
    }

    public static func activationsPerRow(_ spec: ModelSpec, inputWidth: Int, classes: Int, training: Bool) -> Double {
        (training ? 4 : 2) * (spec.list("hidden").reduce(0.0) { $0 + Double($1) } + Double(classes))
    }

    /// Parameters of the MLP `build` makes, in closed form (the estimates ask before anything is
    /// built, and for absurd sizes a large number beats an allocation).
    static func parameterCount(hidden: [Int], inputWidth: Int, classes: Int, tasks: Int, variant: ModelVariant)
        -> Double
    {
        let divisor = variant == .hiddenDividedAmongTasks ? Double(tasks) : 1
        let widths =
            [Double(inputWidth)] + hidden.map { max(1, (Double($0) / divisor).rounded(.down)) } + [Double(classes)]
        var count = 0.0
        for i in 1..<widths.count { count += (widths[i - 1] + 1) * widths[i] }
        if variant == .taskRoutedInput { count += Double(tasks - 1) * (widths[0] + 1) * widths[1] }
        if variant == .hiddenDividedAmongTasks { count *= Double(tasks) }
        return count
    }
}
