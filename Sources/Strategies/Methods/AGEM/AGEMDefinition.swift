import Learning

/// A-GEM as the registry sees it: its YAML keys, checks, summary and cost terms. The
/// algorithm itself is `AGEMPlugin` (AGEM.swift).
public enum AGEM: StrategyDefinition {
    public static let name = "agem"
    public static let abstract =
        "Averaged GEM: project onto one reference gradient of a memory sample (Chaudhry et al. 2019)"
    public static let parameters: [StrategyParameter] = [
        StrategyParameter("patterns_per_experience", .positiveInt, help: "patterns of each task kept in memory"),
        StrategyParameter(
            "sample_size", .positiveInt, help: "memory patterns drawn for the reference gradient each step"),
    ]
    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        checkPatternsFit("patterns_per_experience", values, context)
    }
    public static func summary(_ values: StrategyValues) -> String {
        "agem ppe=\(values.int("patterns_per_experience")) sample=\(values.int("sample_size"))"
    }
    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("sample_size"))
    }
    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("patterns_per_experience")) * Double(context.tasks) + Double(values.int("sample_size"))
    }
    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 1 }
    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] {
        [
            AGEMPlugin(
                patternsPerExperience: values.int("patterns_per_experience"), sampleSize: values.int("sample_size"),
                inputWidth: build.stream.inputWidth, seed: build.seed)
        ]
    }
}
