import Learning

/// The GEM paper's "multimodal" baseline: a task-specific input layer per task in front of
/// shared hidden and output layers, trained like naive (MLP only).
public enum Multimodal: StrategyDefinition {
    public static let name = "multimodal"
    public static let abstract = "a task-specific input layer per task, shared hidden and output layers"
    public static let parameters: [StrategyParameter] = []
    public static func modelVariant(_ values: StrategyValues) -> ModelVariant { .taskRoutedInput }
    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        context.model.problem(with: .taskRoutedInput, tasks: context.tasks).map { [StrategyProblem(key: nil, $0)] }
            ?? []
    }
    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] { [] }
}
