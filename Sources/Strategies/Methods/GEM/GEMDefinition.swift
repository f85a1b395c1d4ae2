import Learning

/// GEM as the registry sees it: its YAML keys (Avalanche's names), checks, summary and cost
/// terms. The algorithm itself is `GEMPlugin` (GEM.swift).
///
/// How g_k and ⟨g, g_k⟩ are obtained is a `ReferenceGradientSource`: the textbook batched
/// pass every step (`direct`), or low-rank updates of the first layer between steps
/// (`incremental`, MLPs with a plain SGD step); `sparse_first_layer` skips zero inputs in the
/// first layer's products over the memories. All give the same numbers up to float32 rounding.
public enum GEM: StrategyDefinition {
    public static let name = "gem"
    public static let abstract = "Gradient Episodic Memory: project the gradient so no past task's memory loss grows"

    public static let parameters: [StrategyParameter] = [
        StrategyParameter(
            "patterns_per_experience", .positiveInt, help: "patterns of each task kept in memory (paper: 256)"),
        StrategyParameter(
            "memory_strength", .nonNegativeDouble,
            help: "lower bound of the dual variables; larger pushes further into the feasible cone (paper: 0.5)"),
        .choice(
            "memory_selection", MemorySelection.self, label: "memory selection", default: .random,
            help: "random (Avalanche) or recent (the reference code's ring buffer)"),
        // How, not what: `auto` (the default) picks the fastest path the model allows. Run files
        // written before these two keys existed used the direct, dense computation.
        .choice(
            "reference_gradients", GEMPlugin.ReferenceGradientMode.self, label: "reference gradients",
            whenNotStored: .direct,
            help: "auto, incremental (low-rank first-layer updates between steps; MLPs) or direct (the textbook pass)",
            automatic: { $0.isMLP ? .incremental : .direct }),
        StrategyParameter(
            "sparse_first_layer", .bool, whenNotStored: .bool(false),
            help: "auto, true or false: skip zero inputs in the first layer's products over the memories (MLPs)",
            automatic: { .bool($0.isMLP) }),
    ]

    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        var problems = checkPatternsFit("patterns_per_experience", values, context)
        if !context.model.isMLP {
            // both fast paths rest on a fully connected first layer
            if values.choice("reference_gradients", as: GEMPlugin.ReferenceGradientMode.self) == .incremental {
                problems.append(
                    StrategyProblem(
                        key: "reference_gradients",
                        "incremental reference gradients need an MLP (a fully connected first layer); set reference_gradients: direct or auto for \(context.model.kind)"
                    ))
            }
            if values.bool("sparse_first_layer") {
                problems.append(
                    StrategyProblem(
                        key: "sparse_first_layer",
                        "the sparse first layer needs an MLP; set sparse_first_layer: false or auto for \(context.model.kind)"
                    ))
            }
        }
        return problems
    }

    public static func summary(_ values: StrategyValues) -> String {
        var parts = [
            "gem", "ppe=\(values.int("patterns_per_experience"))",
            "strength=\(values.double("memory_strength").description)",
            values.choice("memory_selection", as: MemorySelection.self).rawValue,
            values.choice("reference_gradients", as: GEMPlugin.ReferenceGradientMode.self).rawValue,
        ]
        if values.bool("sparse_first_layer") { parts.append("sparse") }
        return parts.joined(separator: " ")
    }

    /// Half the past tasks' memories on average over the run.
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience") * (context.tasks - 1)) / 2
    }

    /// The memories' passes as each path makes them. A fully connected first layer costs
    /// 3 × its forward per row (forward and weight gradient as 2P + 4P counts them), over the
    /// non-zero inputs with `sparse_first_layer`. Incremental: every step the layers above it,
    /// and the first layer only on projected steps (g_k's first-layer entries, then Z1 again)
    /// and at each resync (`IncrementalReferences.defaultResyncInterval`); `projectedShare` of the steps project.
    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    {
        let rows = extraRowsPerStep(values, in: context)
        let first = row.firstLayerForward
        guard first > 0 else { return rows * row.full }
        let density = values.bool("sparse_first_layer") ? row.inputDensity : 1
        switch values.choice("reference_gradients", as: GEMPlugin.ReferenceGradientMode.self) {
        case .direct:
            return rows * (row.full - 3 * first * (1 - density))
        case .incremental:
            return rows
                * (row.full - 3 * first + (2 * projectedShare + 1 / Double(IncrementalReferences.defaultResyncInterval))
                    * first * density)
        }
    }

    /// Steps whose gradient GEM projects, for the cost estimate: 38%, 42% and 57% of all steps
    /// in the paper's permuted MNIST, split MNIST and the A-GEM paper's runs under Results/.
    static let projectedShare = 0.5

    /// Every task's memory, and one reference gradient per past task.
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience")) * Double(context.tasks)
    }
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(context.tasks)
    }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [
            GEMPlugin(
                patternsPerExperience: values.int("patterns_per_experience"),
                memoryStrength: Float(values.double("memory_strength")),
                memorySelection: values.choice("memory_selection"), inputWidth: build.stream.inputWidth,
                seed: build.seed, referenceGradients: values.choice("reference_gradients"),
                sparseFirstLayer: values.bool("sparse_first_layer"))
        ]
    }
}
