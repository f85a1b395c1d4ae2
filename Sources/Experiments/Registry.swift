// The experiment registry: every experiment declared in `Experiments/*.yaml`, resolved and
// validated as a whole before anything runs. The format is described in docs/experiments.md.

import Benchmarks
import Data
import Strategies
import Foundation

/// One strategy of an experiment: a label, a method with its parameters, and the optimizer
/// after the strategy's own overrides.
public struct Strategy: Sendable, Equatable, Hashable {
    public var label: String
    public var method: MethodSpec
    public var optimizer: OptimizerSpec

    public init(label: String, method: MethodSpec, optimizer: OptimizerSpec) {
        self.label = label
        self.method = method
        self.optimizer = optimizer
    }
}

/// A resolved experiment: one benchmark and model, several strategies compared over seeds.
public struct Experiment: Sendable, Equatable, Hashable {
    public var name: String
    public var description: String?
    /// Suites this experiment declares itself part of (not inherited).
    public var suites: [String]
    public var seeds: [Int]
    public var benchmark: BenchmarkSpec
    public var model: ModelSpec
    /// In declaration order (inherited labels first, in their parent's order).
    public var strategies: [Strategy]
    public var sourceFile: String
    /// Where the experiment's name is written.
    public var location: SourceLocation

    /// The runs of this experiment, seed-major: every strategy of seed 0, then of seed 1, ...
    public func runs(seeds: [Int]? = nil, strategies labels: Set<String>? = nil) -> [RunSpec] {
        (seeds ?? self.seeds).flatMap { seed in
            strategies.filter { labels?.contains($0.label) ?? true }.map { strategy in
                RunSpec(experiment: name, strategy: strategy.label, seed: seed, benchmark: benchmark, model: model,
                        optimizer: strategy.optimizer, method: strategy.method, sourceFile: sourceFile)
            }
        }
    }
}

/// The keys each level of an experiment file accepts.
enum Keys {
    static let root = ["defaults", "templates", "experiments"]
    static let experiment = ["extends", "description", "suites", "seeds", "benchmark", "model", "optimizer",
                             "strategies"]
    static let template = experiment.filter { $0 != "suites" }
    static let defaults = ["seeds", "benchmark", "model", "optimizer"]
    static let benchmark = ["kind", "dataset", "tasks", "samples_per_task", "test_samples_per_task", "scenario",
                            "angles", "class_order"]
    static let model = ["hidden"]
    static let optimizer = ["lr", "batch_size", "epochs", "momentum"]
    static let methodParameters: [String] = {
        var keys: [String] = []
        for method in MethodSpec.names {
            for key in MethodSpec.parameterKeys[method]! where !keys.contains(key) { keys.append(key) }
        }
        return keys
    }()
    static let strategy = ["method"] + methodParameters + optimizer
    /// Keys an experiment does not take from the experiment or template it extends.
    static let notInherited: Set<String> = ["extends", "description", "suites"]
}

/// Every experiment in a directory of YAML files, validated.
public struct Registry: Sendable {
    /// All experiments: files in name order, experiments in file order.
    public let experiments: [Experiment]

    /// Suite name → names of its experiments, in registry order.
    public var suites: [String: [String]] {
        var result: [String: [String]] = [:]
        for experiment in experiments {
            for suite in experiment.suites { result[suite, default: []].append(experiment.name) }
        }
        return result
    }

    /// Suite names, sorted.
    public var suiteNames: [String] { suites.keys.sorted() }

    public func experiment(named name: String) -> Experiment? { experiments.first { $0.name == name } }

    /// Loads every `*.yaml` / `*.yml` file of `directory` (not recursive). File names in
    /// messages are `directory/name`, as given. Throws a `RegistryError` listing every problem.
    public static func load(directory: String) throws -> Registry {
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw RegistryError([Diagnostic(location: nil, field: directory,
                                            message: "cannot read the experiments directory: \(error.localizedDescription)")])
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var sources: [(file: String, text: String)] = []
        var problems: [Diagnostic] = []
        for name in names {
            let path = base + "/" + name
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                problems.append(Diagnostic(location: SourceLocation(file: path, line: 1, column: 1), field: "(file)",
                                           message: "cannot read the file as UTF-8 text"))
                continue
            }
            sources.append((path, text))
        }
        if !problems.isEmpty { throw RegistryError(problems) }
        return try Registry(sources: sources)
    }

    /// Builds a registry from YAML texts; `file` names each text in messages. Order matters:
    /// it is the registry order (and the order of experiments within a suite).
    public init(sources: [(file: String, text: String)]) throws {
        var loader = Loader()
        for (file, text) in sources { loader.read(file: file, text: text) }
        let experiments = loader.resolveAll()
        if !loader.checker.diagnostics.isEmpty { throw RegistryError(loader.checker.diagnostics) }
        self.experiments = experiments
    }

    /// The runs to do, in a deterministic order: the suite's experiments (registry order), then
    /// the named ones (in the order given, skipping repeats); within an experiment, seed-major,
    /// strategies in declaration order.
    ///
    /// - Parameters:
    ///   - selectors: experiment names, or `EXPERIMENT/STRATEGY` for one strategy.
    ///   - suite: a suite name.
    ///   - seeds: replaces every selected experiment's own seeds.
    public func plan(experiments selectors: [String] = [], suite: String? = nil,
                     seeds: SeedSelection? = nil) throws -> [RunSpec] {
        var problems: [Diagnostic] = []
        var order: [String] = []
        var filters: [String: Set<String>?] = [:]
        func add(_ name: String, _ labels: Set<String>?) {
            if let existing = filters[name] {
                if let existing, let labels { filters[name] = existing.union(labels) } else { filters[name] = .some(nil) }
            } else {
                order.append(name)
                filters[name] = .some(labels)
            }
        }
        if let suite {
            if let members = suites[suite] {
                members.forEach { add($0, nil) }
            } else {
                let known = suiteNames
                let hint = closest(to: suite, in: known).map { "; did you mean '\($0)'?" } ?? ""
                problems.append(Diagnostic(location: nil, field: "--suite \(suite)",
                                           message: "no experiment declares this suite\(hint) (suites: \(known.joined(separator: ", ")))"))
            }
        }
        for selector in selectors {
            let parts = selector.split(separator: "/", maxSplits: 1).map(String.init)
            let name = parts.first ?? selector
            guard let experiment = experiment(named: name) else {
                let hint = suggestion(for: name, in: experiments.map(\.name))
                problems.append(Diagnostic(location: nil, field: "experiment \(name)",
                                           message: "no experiment has this name\(hint)"))
                continue
            }
            if parts.count == 2 {
                let labels = experiment.strategies.map(\.label)
                guard labels.contains(parts[1]) else {
                    let hint = closest(to: parts[1], in: labels).map { "did you mean '\($0)'?" }
                        ?? "its strategies: \(labels.joined(separator: ", "))"
                    problems.append(Diagnostic(location: nil, field: "experiment \(selector)",
                                               message: "'\(name)' has no strategy '\(parts[1])'; \(hint)"))
                    continue
                }
                add(name, [parts[1]])
            } else {
                add(name, nil)
            }
        }
        if suite == nil && selectors.isEmpty {
            problems.append(Diagnostic(location: nil, field: "selection",
                                       message: "no experiments selected; name experiments or a --suite (suites: \(suiteNames.joined(separator: ", ")))"))
        }
        if !problems.isEmpty { throw RegistryError(problems) }
        return order.flatMap { name in
            experiment(named: name)!.runs(seeds: seeds?.seeds, strategies: filters[name]!)
        }
    }
}

// MARK: - Loading and resolution

private struct Declaration {
    enum Kind { case experiment, template }
    var name: String
    var kind: Kind
    var body: YValue
    var nameLocation: SourceLocation
    var file: String
}

private struct Loader {
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
            checker.error(root, "expected a mapping with 'experiments', 'templates' or 'defaults', got \(root.typeName)")
            return
        }
        checker.checkKeys(root, known: Keys.root)
        if let d = root["defaults"] {
            if let previous = defaults {
                checker.error(d, "defaults already declared at \(previous.location); declare them once")
            } else if checkBody(d, known: Keys.defaults) {
                defaults = d
            }
        }
        for section in ["templates", "experiments"] {
            guard let value = root[section], let entries = checker.mapping(value) else { continue }
            for entry in entries {
                guard isValidName(entry.key) else {
                    checker.error(at: entry.keyLocation, field: entry.value.path,
                                  "invalid name '\(entry.key)': use letters, digits and single '-', '_' or '.' between them")
                    continue
                }
                if let first = declarations[entry.key] {
                    checker.error(at: entry.keyLocation, field: entry.value.path,
                                  "duplicate name '\(entry.key)'; first declared at \(first.nameLocation)")
                    continue
                }
                let isExperiment = section == "experiments"
                var body = entry.value
                if case .null = body.kind { body.kind = .mapping([]) }
                guard checkBody(body, known: isExperiment ? Keys.experiment : Keys.template) else { continue }
                declarations[entry.key] = Declaration(name: entry.key, kind: isExperiment ? .experiment : .template,
                                                      body: body, nameLocation: entry.keyLocation, file: file)
                if isExperiment { experimentOrder.append(entry.key) }
            }
        }
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
                    checker.error(at: entry.keyLocation, field: entry.value.path,
                                  "invalid strategy label '\(entry.key)': use letters, digits and single '-', '_' or '.' between them")
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
        let model = resolveModel(merged["model"], benchmark: benchmark)
        let strategies = resolveStrategies(merged, benchmark: benchmark, model: model)

        guard checker.diagnostics.count == errorsBefore, let benchmark, let model, let seeds,
              let strategies else { return nil }
        return Experiment(name: declaration.name, description: description, suites: suites, seeds: seeds,
                          benchmark: benchmark, model: model, strategies: strategies, sourceFile: declaration.file,
                          location: declaration.nameLocation)
    }

    mutating func resolveSuites(_ value: YValue?) -> [String] {
        guard let value else { return [] }
        if case .scalar = value.kind, let name = checker.string(value) { return checkSuiteName(name, value) ? [name] : [] }
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
        checker.error(value, "invalid suite name '\(name)': use letters, digits and single '-', '_' or '.' between them")
        return false
    }

    mutating func resolveSeeds(_ value: YValue?) -> [Int]? {
        guard let value, !checker.isNull(value) else { return [0] }
        switch value.kind {
        case let .scalar(text, plain):
            if plain, let seed = Int(text) {
                guard seed >= 0 else { checker.error(value, "seeds must be non-negative, got \(seed)"); return nil }
                return [seed]
            }
            switch parseSeedList(text) {
            case let .success(seeds): return seeds
            case let .failure(error): checker.error(value, error.reason); return nil
            }
        case let .sequence(items):
            guard !items.isEmpty else { checker.error(value, "lists no seeds"); return nil }
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

    mutating func resolveBenchmark(_ merged: YValue) -> BenchmarkSpec? {
        guard let section = merged["benchmark"] else { checker.missing("benchmark", in: merged); return nil }
        guard section.entries != nil else { return nil }  // reported by the key check
        guard let kindValue = section["kind"] else { checker.missing("kind", in: section); return nil }
        guard let kind: BenchmarkKind = checker.choice(kindValue, "benchmark kind") else { return nil }
        var ok = true
        var dataset = DatasetName.mnist
        if let value = section["dataset"] {
            if let d: DatasetName = checker.choice(value, "dataset") { dataset = d } else { ok = false }
        }
        var tasks = 5
        if let value = section["tasks"] {
            guard let t = checker.positiveInt(value) else { return nil }
            tasks = t
            if kind == .split, 10 % t != 0 || t < 2 {
                checker.error(value, "a split benchmark deals its 10 classes evenly: tasks must be 2, 5 or 10, got \(t)")
                ok = false
            }
        } else if kind != .split {
            checker.missing("tasks", in: section)
            return nil
        }
        let samples = section["samples_per_task"].flatMap { checker.positiveInt($0) }
        let testSamples = section["test_samples_per_task"].flatMap { checker.positiveInt($0) }
        let defaultScenario: Scenario = kind == .split ? .taskIncremental : .domainIncremental
        var scenario = defaultScenario
        if let value = section["scenario"], let s: Scenario = checker.choice(value, "scenario") {
            scenario = s
            if kind != .split, s != .domainIncremental {
                checker.error(value, "\(kind.rawValue) benchmarks are domain-incremental (one shared 10-way head), not \(s.rawValue)")
                ok = false
            } else if kind == .split, s == .domainIncremental {
                checker.error(value, "split benchmarks are task-incremental or class-incremental, not domain-incremental")
                ok = false
            }
        }
        var angles: [Double]?
        if let value = section["angles"], !checker.isNull(value) {
            if kind != .rotated {
                checker.error(value, "angles apply only to rotated benchmarks, not \(kind.rawValue)")
                ok = false
            } else if let items = checker.list(value) {
                let parsed = items.compactMap { checker.double($0) }
                if parsed.count == items.count {
                    if parsed.count != tasks {
                        checker.error(value, "needs one angle per task: \(tasks) tasks, \(parsed.count) angles")
                        ok = false
                    }
                    angles = parsed
                } else { ok = false }
            }
        }
        var classOrder: [Int]?
        if let value = section["class_order"], !checker.isNull(value) {
            if kind != .split {
                checker.error(value, "class_order applies only to split benchmarks, not \(kind.rawValue)")
                ok = false
            } else if let items = checker.list(value) {
                let parsed = items.compactMap { checker.int($0) }
                if parsed.count == items.count {
                    if parsed.sorted() != Array(0...9) {
                        checker.error(value, "must list each class 0-9 exactly once, got \(parsed)")
                        ok = false
                    }
                    classOrder = parsed
                } else { ok = false }
            }
        }
        guard ok else { return nil }
        return BenchmarkSpec(kind: kind, dataset: dataset, tasks: tasks, samplesPerTask: samples,
                             testSamplesPerTask: testSamples, scenario: scenario, angles: angles,
                             classOrder: classOrder)
    }

    mutating func resolveModel(_ section: YValue?, benchmark: BenchmarkSpec?) -> ModelSpec? {
        guard let section, let hidden = section["hidden"] else { return ModelSpec() }
        guard let items = checker.list(hidden) else { return nil }
        guard !items.isEmpty else { checker.error(hidden, "needs at least one hidden layer"); return nil }
        let widths = items.compactMap { checker.positiveInt($0) }
        return widths.count == items.count ? ModelSpec(hidden: widths) : nil
    }

    mutating func resolveStrategies(_ merged: YValue, benchmark: BenchmarkSpec?, model: ModelSpec?) -> [Strategy]? {
        guard let section = merged["strategies"] else { checker.missing("strategies", in: merged); return nil }
        guard let entries = section.entries else { return nil }
        guard !entries.isEmpty else { checker.error(section, "declares no strategies"); return nil }
        let optimizer = merged["optimizer"]
        var strategies: [Strategy] = []
        for entry in entries {
            if let strategy = resolveStrategy(entry, optimizer: optimizer, experiment: merged, benchmark: benchmark,
                                              model: model) {
                strategies.append(strategy)
            }
        }
        return strategies.count == entries.count ? strategies : nil
    }

    mutating func resolveStrategy(_ entry: YEntry, optimizer: YValue?, experiment: YValue, benchmark: BenchmarkSpec?,
                                  model: ModelSpec?) -> Strategy? {
        let value = entry.value
        let params = value.entries ?? []
        func param(_ key: String) -> YValue? { params.first { $0.key == key }?.value }

        // The method: an explicit `method:` or the label itself.
        let methodName: String
        if let m = param("method") {
            guard let name = checker.string(m) else { return nil }
            guard MethodSpec.names.contains(name) else {
                let hint = closest(to: name, in: MethodSpec.names).map { "did you mean '\($0)'?" }
                    ?? "expected one of: \(MethodSpec.names.joined(separator: ", "))"
                checker.error(m, "unknown method '\(name)'; \(hint)")
                return nil
            }
            methodName = name
        } else {
            guard MethodSpec.names.contains(entry.key) else {
                let hint = closest(to: entry.key, in: MethodSpec.names).map { "did you mean '\($0)'? " } ?? ""
                checker.error(at: entry.keyLocation, field: value.path,
                              "unknown method '\(entry.key)'; \(hint)(a label that is not a method name needs 'method:', one of: \(MethodSpec.names.joined(separator: ", ")))")
                return nil
            }
            methodName = entry.key
        }
        let accepted = MethodSpec.parameterKeys[methodName]!
        var ok = true
        for p in params where Keys.methodParameters.contains(p.key) && !accepted.contains(p.key) {
            let takes = accepted.isEmpty ? "it takes none" : "its parameters: \(accepted.joined(separator: ", "))"
            checker.error(at: p.keyLocation, field: p.value.path,
                          "not a parameter of method '\(methodName)' (\(takes))")
            ok = false
        }

        func required(_ key: String) -> YValue? {
            if let v = param(key), !checker.isNull(v) { return v }
            checker.missing(key, in: value)
            return nil
        }
        let method: MethodSpec?
        switch methodName {
        case "naive": method = .naive
        case "joint": method = .joint
        case "multimodal": method = .multimodal
        case "replay":
            method = required("memory_size").flatMap { checker.positiveInt($0) }.map { .replay(memorySize: $0) }
        case "gem":
            let p = required("patterns_per_experience").flatMap { checker.positiveInt($0) }
            let s = required("memory_strength").flatMap { checker.nonNegativeDouble($0) }
            var selection = MemorySelection.random
            if let v = param("memory_selection"), !checker.isNull(v) {
                if let sel: MemorySelection = checker.choice(v, "memory selection") { selection = sel } else { ok = false }
            }
            var references = GEMPlugin.ReferenceGradientMode.incremental
            if let v = param("reference_gradients"), !checker.isNull(v) {
                if let r: GEMPlugin.ReferenceGradientMode = checker.choice(v, "reference gradients") { references = r } else { ok = false }
            }
            var sparse = true
            if let v = param("sparse_first_layer"), !checker.isNull(v) {
                if let b = checker.bool(v) { sparse = b } else { ok = false }
            }
            method = (p != nil && s != nil) ? .gem(patternsPerExperience: p!, memoryStrength: s!,
                                                   memorySelection: selection, referenceGradients: references,
                                                   sparseFirstLayer: sparse) : nil
        case "agem":
            let p = required("patterns_per_experience").flatMap { checker.positiveInt($0) }
            let s = required("sample_size").flatMap { checker.positiveInt($0) }
            method = (p != nil && s != nil) ? .agem(patternsPerExperience: p!, sampleSize: s!) : nil
        case "ewc":
            let p = required("patterns_per_experience").flatMap { checker.positiveInt($0) }
            let l = required("lambda").flatMap { checker.nonNegativeDouble($0) }
            method = (p != nil && l != nil) ? .ewc(patternsPerExperience: p!, lambda: l!) : nil
        case "independent":
            var warm = false
            if let v = param("warm_start"), !checker.isNull(v) {
                if let b = checker.bool(v) { warm = b } else { ok = false }
            }
            method = .independent(warmStart: warm)
            if let model, let benchmark, let narrow = model.hidden.first(where: { $0 < benchmark.tasks }) {
                checker.error(at: entry.keyLocation, field: value.path,
                              "independent divides each hidden layer among the \(benchmark.tasks) tasks, but model.hidden has a layer of \(narrow) units")
                ok = false
            }
        default: method = nil
        }

        // Memory per experience cannot exceed what an experience holds.
        if let method, let benchmark, let patterns = method.patternsPerExperience,
           let patternsValue = param("patterns_per_experience") {
            let available = benchmark.samplesPerTask ?? (benchmark.kind == .split ? nil : 60_000)
            if let available, patterns > available {
                checker.error(patternsValue, "\(patterns) patterns per experience exceed the \(available) samples per task")
                ok = false
            }
        }

        // The optimizer: the strategy's own keys over the experiment's.
        func setting(_ key: String) -> YValue? {
            if let v = param(key), !checker.isNull(v) { return v }
            if let v = optimizer?[key], !checker.isNull(v) { return v }
            return nil
        }
        var lr: Double?
        if let v = setting("lr") {
            lr = checker.positiveDouble(v)
        } else if optimizer == nil || optimizer!.entries != nil || checker.isNull(optimizer!) {
            if let optimizer {
                checker.missing("lr", in: optimizer)
            } else {
                checker.error(at: experiment.location, field: child(experiment.path, "optimizer.lr"),
                              "missing required key 'lr'")
            }
        }  // else: an optimizer that is not a mapping, already reported
        let batchSize = setting("batch_size").map { checker.positiveInt($0) } ?? 10
        let epochs = setting("epochs").map { checker.positiveInt($0) } ?? 1
        var momentum: Double? = 0
        if let v = setting("momentum") {
            momentum = checker.double(v)
            if let m = momentum, !(0..<1).contains(m) {
                checker.error(v, "must be in [0, 1), got \(formatDouble(m))")
                momentum = nil
            }
        }
        guard ok, let method, let lr, let batchSize, let epochs, let momentum else { return nil }
        return Strategy(label: entry.key, method: method,
                        optimizer: OptimizerSpec(lr: lr, batchSize: batchSize, epochs: epochs, momentum: momentum))
    }
}
