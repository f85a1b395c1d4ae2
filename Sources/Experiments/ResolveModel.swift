// The `model:` section: `{kind: mlp, hidden: [100, 100]}` (a bare `hidden:` is an MLP too), or
// `{kind: resnet18, width: 20}`, the GEM paper's reduced ResNet18. A model of another kind than
// the inherited one replaces it whole (see `merge`).

import Learning

/// The model kinds `model.kind` accepts.
enum ModelKind: String, CaseIterable {
    case mlp
    case resnet18
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
            if let width = section["width"] {
                checker.error(width, "an MLP's size is model.hidden; width belongs to kind: resnet18")
                return nil
            }
            guard let hidden = section["hidden"] else { return .default }
            guard let items = checker.list(hidden) else { return nil }
            guard !items.isEmpty else { checker.error(hidden, "needs at least one hidden layer"); return nil }
            let widths = items.compactMap { checker.positiveInt($0) }
            return widths.count == items.count ? .mlp(hidden: widths) : nil
        case .resnet18:
            if let hidden = section["hidden"] {
                checker.error(hidden, "resnet18 has no hidden layers; its size is model.width (the paper: 20)")
                return nil
            }
            guard let value = section["width"] else { return .resnet18(width: 20) }
            return checker.positiveInt(value).map { .resnet18(width: $0) }
        }
    }
}
