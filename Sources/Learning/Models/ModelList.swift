import Foundation

/// Every model kind `model.kind` accepts; a new model is one line here.
public enum ModelList {
    public static let all: [any ModelDefinition.Type] = [
        MLP.self,
        ReducedResNet18.self,
        SmallCNN.self,
    ]

    public static func named(_ kind: String) -> (any ModelDefinition.Type)? {
        all.first { $0.kind == kind }
    }

    /// Every kind's YAML keys (`kind` first), for the check of unknown keys.
    public static var allKeys: [String] {
        var keys = ["kind"]
        for definition in all { for key in definition.keys where !keys.contains(key.name) { keys.append(key.name) } }
        return keys
    }
}

/// The parameter count and product FLOPs of built networks, each shape built once: a plan of
/// hundreds of runs asks for a handful of shapes, and a conv net's count is read off its layout
/// instead of re-deriving its structure.
enum BuiltNetworks {
    struct Shape {
        var parameters: Int
        var flops: (forward: Int, backward: Int)
    }

    private struct Key: Hashable {
        var model: ModelSpec, inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Key: Shape] = [:]

    static func shape(of model: ModelSpec, inputShape: [Int], classes: Int, tasks: Int, variant: ModelVariant) -> Shape
    {
        let key = Key(model: model, inputShape: inputShape, classes: classes, tasks: tasks, variant: variant)
        lock.lock()
        defer { lock.unlock() }
        if let known = cache[key] { return known }
        var rng = RandomStream(seed: 0, purpose: "cost estimate")
        // a shape the model cannot take was refused when the run was resolved
        guard
            let network = try? model.build(
                inputShape: inputShape, classes: classes, tasks: tasks, variant: variant,
                rng: &rng)
        else { return Shape(parameters: 0, flops: (0, 0)) }
        // independent's variant builds one of its `tasks` narrow networks
        let copies = variant == .hiddenDividedAmongTasks ? tasks : 1
        let shape = Shape(parameters: network.parameterCount * copies, flops: network.productFLOPsPerImage)
        cache[key] = shape
        return shape
    }
}
