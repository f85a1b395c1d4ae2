import Learning

/// Fine-tuning on each task in turn, with nothing to protect earlier tasks ("single" in the
/// GEM paper): the training loop with no plugin, the lower bound every method is compared with.
public enum Naive: StrategyDefinition {
    public static let name = "naive"
    public static let abstract = "fine-tune on each task in turn (the GEM paper's 'single')"
    public static let parameters: [StrategyParameter] = []
    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) -> [Plugin] { [] }
}
