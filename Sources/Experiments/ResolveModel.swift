// The `model:` section: `{kind: mlp, hidden: [100, 100]}` (a bare `hidden:` is an MLP too), or
// another kind of `ModelList` with its keys, e.g. `{kind: resnet18, width: 20}`. A model of
// another kind than the inherited one replaces it whole (see `merge`).

import Learning

extension ExperimentLoader {
    mutating func resolveModel(_ section: YValue?) -> ModelSpec? {
        guard let section, let entries = section.entries else { return .default }
        var definition: any ModelDefinition.Type = MLP.self
        if let value = section["kind"], !checker.isNull(value) {
            guard let named = checker.modelKind(value) else { return nil }
            definition = named
        }
        var values: [String: [Int]] = [:]
        var failed = false
        for entry in entries where entry.key != "kind" {
            guard let key = definition.keys.first(where: { $0.name == entry.key }) else {
                // a key of another kind (`width` on an MLP): say whose it is and what this kind has
                let owners = ModelList.all.filter { other in other.keys.contains { $0.name == entry.key } }.map {
                    $0.kind
                }
                failed = true
                // a key of no kind is the unknown-key check's to name
                guard !owners.isEmpty else { continue }
                let own = definition.keys.map { "model.\($0.name) (\($0.help))" }.joined(separator: ", ")
                checker.error(
                    entry.value,
                    "model kind \(definition.kind) has no key \(entry.key) (a key of "
                        + "\(owners.joined(separator: ", "))); its keys: \(own)")
                continue
            }
            switch key.kind {
            case .positiveInt:
                guard let value = checker.positiveInt(entry.value) else {
                    failed = true
                    continue
                }
                values[key.name] = [value]
            case .positiveIntList:
                guard let items = checker.list(entry.value) else {
                    failed = true
                    continue
                }
                guard !items.isEmpty else {
                    checker.error(entry.value, "needs at least one value (\(key.help))")
                    failed = true
                    continue
                }
                let numbers = items.compactMap { checker.positiveInt($0) }
                if numbers.count != items.count { failed = true }
                values[key.name] = numbers
            }
        }
        return failed ? nil : ModelSpec(definition, values)
    }
}
