import Learning

/// Every strategy GEMBench knows, in documentation order. A new strategy is one file that
/// declares a `StrategyDefinition`, plus one line here.
public enum StrategyList {
    // the types are immutable metadata, never written after this list is built
    nonisolated(unsafe) public static let all: [StrategyDefinition.Type] = [
        Naive.self,
        Replay.self,
        ER.self,
        DER.self,
        DERPlusPlus.self,
        ICaRL.self,
        GEM.self,
        AGEM.self,
        EWC.self,
        SI.self,
        MAS.self,
        RWalk.self,
        LwF.self,
        Joint.self,
        Independent.self,
        PNN.self,
        Multimodal.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    public static func named(_ name: String) -> StrategyDefinition.Type? { all.first { $0.name == name } }
}
