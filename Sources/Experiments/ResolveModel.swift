// The `model:` section: `{kind: mlp, hidden: [100, 100]}`, or a bare `hidden:` (an MLP).

import Learning

/// The model kinds `model.kind` accepts.
enum ModelKind: String, CaseIterable {
    case mlp
}

extension ExperimentLoader {
    mutating func resolveModel(_ section: YValue?) -> ModelSpec? {
        guard let section, section.entries != nil else { return .default }
        var kind = ModelKind.mlp
        if let value = section["kind"], !checker.isNull(value) {
            guard let k: ModelKind = checker.choice(value, "model kind") else { return nil }
            kind = k
        }
        switch kind {
        case .mlp:
            guard let hidden = section["hidden"] else { return .default }
            guard let items = checker.list(hidden) else { return nil }
            guard !items.isEmpty else { checker.error(hidden, "needs at least one hidden layer"); return nil }
            let widths = items.compactMap { checker.positiveInt($0) }
            return widths.count == items.count ? .mlp(hidden: widths) : nil
        }
    }
}
