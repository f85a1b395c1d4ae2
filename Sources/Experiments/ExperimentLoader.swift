// Reading experiment files: declarations, `extends` chains merged over the defaults, and the
// sections every experiment shares (suites, seeds). Benchmarks, models and strategies are
// resolved in files of their own.

import Benchmarks
import Data
import Learning
import Strategies

/// The keys each level of an experiment file accepts.
enum Keys {
    static let root = ["defaults", "templates", "experiments"]
    static let experiment = [
        "extends", "description", "suites", "seeds", "benchmark", "model", "optimizer",
        "strategies",
    ]
    static let template = experiment.filter { $0 != "suites" }
    static let defaults = ["seeds", "benchmark", "model", "optimizer"]
    static let benchmark = [
        "kind", "dataset", "tasks", "samples_per_task", "test_samples_per_task", "scenario",
        "angles", "class_order",
    ]
    static var model: [String] { ModelList.allKeys }
    static let optimizer = ["lr", "batch_size", "epochs", "momentum", "eval_every", "lca"]
    /// Every key some strategy takes, in registration order.
    static let methodParameters: [String] = {
        var keys: [String] = []
        for definition in StrategyList.all {
            for parameter in definition.parameters where !keys.contains(parameter.key) { keys.append(parameter.key) }
        }
        return keys
    }()
    static let strategy = ["method"] + methodParameters + optimizer
    /// Keys an experiment does not take from the experiment or template it extends.
    static let notInherited: Set<String> = ["extends", "description", "suites"]
}

struct Declaration {
    enum Kind { case experiment, template }
    var name: String
    var kind: Kind
    var body: YValue
    var nameLocation: SourceLocation
    var file: String
}

struct ExperimentLoader {
    var checker = Checker()
    var declarations: [String: Declaration] = [:]
    var experimentOrder: [String] = []
    var defaults: YValue?

    mutating func read(file: String, text: String) {
        let (root, syntax) = parseYAML(text, file: file)
        checker.diagnostics += syntax
        guard let root else { return }
        guard root.entries != nil else {
            if case .null = root.kind { return }
            checker.error(
                root, "expected a mapping with 'experiments', 'templates' or 'defaults', got \(root.typeName)")
            return
        }
        checker.checkKeys(root, known: Keys.root)
        if let d = root["defaults"] {
            if let previous = defaults {
                // one `defaults:` for all experiment folders: a user's would change the shipped experiments
                let otherFolder = folder(of: previous.location.file) != folder(of: file)
                checker.error(
                    d,
                    "defaults already declared at \(previous.location); declare them once"
                        + (otherFolder
                            ? " over all experiment folders (share your experiments' settings through a "
                                + "template that they extend)" : ""))
            } else if checkBody(d, known: Keys.defaults) {
                defaults = d
            }
        }
        for section in ["templates", "experiments"] {
            guard let value = root[section], let entries = checker.mapping(value) else { continue }
            for entry in entries {
                guard isValidName(entry.key) else {
                    checker.error(
                        at: entry.keyLocation, field: entry.value.path,
                        "invalid name '\(entry.key)': use letters, digits and single '-', '_' or '.' between them")
                    continue
                }
                if let first = declarations[entry.key] {
                    checker.error(
                        at: entry.keyLocation, field: entry.value.path,
                        "duplicate name '\(entry.key)'; first declared at \(first.nameLocation)")
                    continue
                }
                let isExperiment = section == "experiments"
                var body = entry.value
                if case .null = body.kind { body.kind = .mapping([]) }
                guard checkBody(body, known: isExperiment ? Keys.experiment : Keys.template) else { continue }
                declarations[entry.key] = Declaration(
                    name: entry.key, kind: isExperiment ? .experiment : .template,
                    body: body, nameLocation: entry.keyLocation, file: file)
                if isExperiment { experimentOrder.append(entry.key) }
            }
        }
    }

    private func folder(of file: String) -> Substring {
        file.lastIndex(of: "/").map { file[..<$0] } ?? ""
    }

    /// Key checks on one body as written (before inheritance). False if it is not a mapping.
    mutating func checkBody(_ body: YValue, known: [String]) -> Bool {
        guard checker.mapping(body) != nil else { return false }
        checker.checkKeys(body, known: known)
        for (section, keys) in [("benchmark", Keys.benchmark), ("model", Keys.model), ("optimizer", Keys.optimizer)] {
            if let value = body[section], checker.mapping(value) != nil { checker.checkKeys(value, known: keys) }
        }
        if let strategies = body["strategies"], let entries = checker.mapping(strategies) {
            for entry in entries {
                guard isValidName(entry.key) else {
                    checker.error(
                        at: entry.keyLocation, field: entry.value.path,
                        "invalid strategy label '\(entry.key)': use letters, digits and single '-', '_' or '.' between them"
                    )
                    continue
                }
                if checker.mapping(entry.value) != nil { checker.checkKeys(entry.value, known: Keys.strategy) }
            }
        }
        return true
    }

    mutating func resolveAll() -> [Experiment] {
        experimentOrder.compactMap { resolve(declarations[$0]!) }
    }

    /// The declaration chain `[self, parent, grandparent, ...]`, or nil after reporting a problem.
    mutating func chain(of declaration: Declaration) -> [Declaration]? {
        var chain = [declaration]
        var current = declaration
        while let extends = current.body["extends"] {
            guard let parentName = checker.string(extends) else { return nil }
            guard let parent = declarations[parentName] else {
                // Reported where it is written, once, whichever experiment reaches it.
                let hint = suggestion(for: parentName, in: declarations.keys)
                let experiment = checker.experiment
                checker.experiment = nil
                checker.error(extends, "no experiment or template is named '\(parentName)'\(hint)")
                checker.experiment = experiment
                return nil
            }
            if chain.contains(where: { $0.name == parentName }) {
                // Reported at the experiment's own `extends`, the cycle read from there.
                let cycle = (chain.map(\.name) + [parentName]).joined(separator: " -> ")
                checker.error(declaration.body["extends"]!, "'extends' forms a cycle: \(cycle)")
                return nil
            }
            chain.append(parent)
            current = parent
        }
        return chain
    }

    mutating func resolve(_ declaration: Declaration) -> Experiment? {
        checker.experiment = declaration.name
        defer { checker.experiment = nil }
        let errorsBefore = checker.diagnostics.count
        guard let chain = chain(of: declaration) else { return nil }

        // defaults, then the oldest ancestor, ..., then the experiment itself.
        var merged = defaults ?? YValue(kind: .mapping([]), location: declaration.body.location, path: "")
        for (i, link) in chain.enumerated().reversed() {
            var body = link.body
            if i > 0, let entries = body.entries {
                body.kind = .mapping(entries.filter { !Keys.notInherited.contains($0.key) })
            }
            merged = merge(parent: merged, child: body)
        }
        merged.location = declaration.body.location
        merged.path = declaration.body.path

        let description = checker.string(declaration.body["description"])
        let suites = resolveSuites(declaration.body["suites"])
        let seeds = resolveSeeds(merged["seeds"])
        let benchmark = resolveBenchmark(merged)
        let model = resolveModel(merged["model"])
        let strategies = resolveStrategies(merged, benchmark: benchmark, model: model)

        guard checker.diagnostics.count == errorsBefore, let benchmark, let model, let seeds,
            let strategies
        else { return nil }
        return Experiment(
            name: declaration.name, description: description, suites: suites, seeds: seeds,
            benchmark: benchmark, model: model, strategies: strategies, sourceFile: declaration.file,
            location: declaration.nameLocation)
    }

    mutating func resolveSuites(_ value: YValue?) -> [String] {
        guard let value else { return [] }
        if case .scalar = value.kind, let name = checker.string(value) {
            return checkSuiteName(name, value) ? [name] : []
        }
        guard let items = checker.list(value) else { return [] }
        var suites: [String] = []
        for item in items {
            guard let name = checker.string(item), checkSuiteName(name, item) else { continue }
            if !suites.contains(name) { suites.append(name) }
        }
        return suites
    }

    mutating func checkSuiteName(_ name: String, _ value: YValue) -> Bool {
        if isValidName(name) { return true }
        checker.error(
            value, "invalid suite name '\(name)': use letters, digits and single '-', '_' or '.' between them")
        return false
    }

    mutating func resolveSeeds(_ value: YValue?) -> [Int]? {
        guard let value, !checker.isNull(value) else { return [0] }
        switch value.kind {
        case .scalar(let text, let plain):
            if plain, let seed = Int(text) {
                guard seed >= 0 else {
                    checker.error(value, "seeds must be non-negative, got \(seed)")
                    return nil
                }
                return [seed]
            }
            switch parseSeedList(text) {
            case .success(let seeds): return seeds
            case .failure(let error):
                checker.error(value, error.reason)
                return nil
            }
        case .sequence(let items):
            guard !items.isEmpty else {
                checker.error(value, "lists no seeds")
                return nil
            }
            var seeds: [Int] = []
            for item in items {
                guard let seed = checker.nonNegativeInt(item) else { continue }
                if seeds.contains(seed) { checker.error(item, "seed \(seed) is listed twice") }
                seeds.append(seed)
            }
            return seeds.count == items.count ? seeds : nil
        default:
            checker.error(value, "expected a seed, a list of seeds or a range such as \"0-4\", got \(value.typeName)")
            return nil
        }
    }
}
