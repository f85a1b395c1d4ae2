// One entry of `strategies:`: the method, its parameters checked against the method's own
// declaration (`StrategyDefinition.parameters`), and the optimizer after its overrides.

import Benchmarks
import Learning
import Strategies

extension ExperimentLoader {
    mutating func resolveStrategies(_ merged: YValue, benchmark: BenchmarkSpec?, model: ModelSpec?) -> [Strategy]? {
        guard let section = merged["strategies"] else {
            checker.missing("strategies", in: merged)
            return nil
        }
        guard let entries = section.entries else { return nil }
        guard !entries.isEmpty else {
            checker.error(section, "declares no strategies")
            return nil
        }
        let optimizer = merged["optimizer"]
        var strategies: [Strategy] = []
        for entry in entries {
            if let strategy = resolveStrategy(
                entry, optimizer: optimizer, experiment: merged, benchmark: benchmark,
                model: model)
            {
                strategies.append(strategy)
            }
        }
        return strategies.count == entries.count ? strategies : nil
    }

    mutating func resolveStrategy(
        _ entry: YEntry, optimizer: YValue?, experiment: YValue, benchmark: BenchmarkSpec?,
        model: ModelSpec?
    ) -> Strategy? {
        let value = entry.value
        let params = value.entries ?? []
        func param(_ key: String) -> YValue? { params.first { $0.key == key }?.value }

        guard let definition = resolveDefinition(entry, explicit: param("method")) else { return nil }
        let (method, failedKeys) = resolveMethod(definition, entry: entry, param: param, model: model)
        let settings = resolveOptimizer(param: param, optimizer: optimizer, experiment: experiment)
        var valid = failedKeys.isEmpty && settings != nil
        // the strategy's own checks run even when another key failed, so a file's problems come together
        if let method, let benchmark, let model {
            let context = StrategyContext(
                benchmark: benchmark, optimizer: settings ?? OptimizerSpec(lr: 1), model: model)
            let problems = definition.validate(method.values, in: context).filter { !failedKeys.contains($0.key ?? "") }
            for problem in problems {
                if let key = problem.key, let v = param(key) {
                    checker.error(v, problem.message)
                } else {
                    checker.error(at: entry.keyLocation, field: value.path, problem.message)
                }
            }
            valid = valid && problems.isEmpty
        }
        guard valid, let method, let settings, let benchmark, let model else { return nil }
        if let problem = model.problem(withInput: benchmark.dataset.imageShape) {
            checker.error(at: entry.keyLocation, field: value.path, problem)
            return nil
        }
        if settings.batchSize > benchmark.trainSamplesAvailable, let v = param("batch_size") ?? optimizer?["batch_size"]
        {
            checker.error(
                v, "\(settings.batchSize) exceeds the \(benchmark.trainSamplesAvailable) training samples of a task")
            return nil
        }
        let run = RunSpec(
            experiment: "", strategy: entry.key, seed: 0, benchmark: benchmark, model: model,
            optimizer: settings, method: method)
        let estimate = run.memoryEstimate
        guard estimate.total <= machineMemory else {
            checker.error(
                at: entry.keyLocation, field: value.path,
                "this run needs \(estimate.description) of memory, more than this machine's \(gigabytes(machineMemory))"
            )
            return nil
        }
        return Strategy(label: entry.key, method: method, optimizer: settings)
    }

    /// The method: an explicit `method:` or the label itself.
    private mutating func resolveDefinition(_ entry: YEntry, explicit: YValue?) -> StrategyDefinition.Type? {
        let names = StrategyList.names
        if let m = explicit {
            guard let name = checker.string(m) else { return nil }
            guard let definition = StrategyList.named(name) else {
                let hint =
                    closest(to: name, in: names).map { "did you mean '\($0)'?" }
                    ?? "expected one of: \(names.joined(separator: ", "))"
                checker.error(m, "unknown method '\(name)'; \(hint)")
                return nil
            }
            return definition
        }
        guard let definition = StrategyList.named(entry.key) else {
            let hint = closest(to: entry.key, in: names).map { "did you mean '\($0)'? " } ?? ""
            checker.error(
                at: entry.keyLocation, field: entry.value.path,
                "unknown method '\(entry.key)'; \(hint)(a label that is not a method name needs 'method:', one of: \(names.joined(separator: ", ")))"
            )
            return nil
        }
        return definition
    }

    /// Every parameter of `definition`, each checked against its declared kind, defaults filled in
    /// (`auto` keys picked for `model`). Keys that failed their check are returned, their defaults
    /// standing in where there are any (nil when a required key has no value at all, or an `auto`
    /// key has no model to pick for).
    private mutating func resolveMethod(
        _ definition: StrategyDefinition.Type, entry: YEntry,
        param: (String) -> YValue?, model: ModelSpec?
    ) -> (MethodSpec?, failed: Set<String>) {
        let accepted = definition.parameters.map(\.key)
        var ok = true
        for p in entry.value.entries ?? [] where Keys.methodParameters.contains(p.key) && !accepted.contains(p.key) {
            let takes = accepted.isEmpty ? "it takes none" : "its parameters: \(accepted.joined(separator: ", "))"
            checker.error(
                at: p.keyLocation, field: p.value.path,
                "not a parameter of method '\(definition.name)' (\(takes))")
            ok = false
        }
        var values: [(String, ParameterValue)] = []
        var failed: Set<String> = ok ? [] : ["(parameters)"]
        var complete = true
        for parameter in definition.parameters {
            var parsed: ParameterValue?
            let given = param(parameter.key).flatMap { checker.isNull($0) ? nil : $0 }
            if let v = given, !(parameter.automatic != nil && v.scalarText == StrategyParameter.autoWord) {
                parsed = checker.parameter(v, parameter.kind, acceptsAuto: parameter.automatic != nil)
                if parsed == nil { failed.insert(parameter.key) }
            } else if given == nil && parameter.defaultValue == nil && parameter.automatic == nil {
                checker.missing(parameter.key, in: entry.value)
                failed.insert(parameter.key)
            }
            let fallback = model.flatMap { parameter.defaultValue(for: $0) } ?? parameter.defaultValue
            if let value = parsed ?? fallback { values.append((parameter.key, value)) } else { complete = false }
        }
        return (complete ? MethodSpec(name: definition.name, values: StrategyValues(values)) : nil, failed)
    }

    /// The optimizer: the strategy's own keys over the experiment's.
    private mutating func resolveOptimizer(
        param: (String) -> YValue?, optimizer: YValue?,
        experiment: YValue
    ) -> OptimizerSpec? {
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
                checker.error(
                    at: experiment.location, field: child(experiment.path, "optimizer.lr"),
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
        // 0 (the default) is off; a positive N evaluates every task every N minibatches
        let evalEvery = setting("eval_every").map { checker.nonNegativeInt($0) } ?? 0
        // false (the default) is off; true records LCA's early accuracies without the curve
        let lca = setting("lca").map { checker.bool($0) } ?? false
        guard let lr, let batchSize, let epochs, let momentum, let evalEvery, let lca else { return nil }
        return OptimizerSpec(
            lr: lr, batchSize: batchSize, epochs: epochs, momentum: momentum, evalEvery: evalEvery,
            lca: lca)
    }
}

extension Checker {
    /// A strategy parameter's value, checked against its declared kind.
    /// `acceptsAuto`: the key may also be `auto`, which the messages then offer.
    mutating func parameter(_ value: YValue, _ kind: StrategyParameter.Kind, acceptsAuto: Bool = false)
        -> ParameterValue?
    {
        switch kind {
        case .positiveInt: return positiveInt(value).map { .int($0) }
        case .positiveDouble: return positiveDouble(value).map { .double($0) }
        case .nonNegativeDouble: return nonNegativeDouble(value).map { .double($0) }
        case .fraction: return fraction(value).map { .double($0) }
        case .bool:
            let expected = acceptsAuto ? "true, false or \(StrategyParameter.autoWord)" : "true or false"
            return bool(value, expected: expected).map { .bool($0) }
        case .choice(let options, let label):
            let offered = acceptsAuto ? [StrategyParameter.autoWord] + options : options
            return choice(value, options: offered, label).map { .choice($0) }
        }
    }

    /// One of `options`, with the closest one suggested on a miss.
    mutating func choice(_ value: YValue?, options: [String], _ what: String) -> String? {
        guard let value, let s = string(value) else { return nil }
        if options.contains(s) { return s }
        let hint =
            closest(to: s, in: options).map { "did you mean '\($0)'?" }
            ?? "expected one of: \(options.joined(separator: ", "))"
        error(value, "unknown \(what) '\(s)'; \(hint)")
        return nil
    }
}

extension StrategyContext {
    /// What a strategy's checks may know of an experiment.
    init(benchmark: BenchmarkSpec, optimizer: OptimizerSpec, model: ModelSpec) {
        self.init(
            tasks: benchmark.tasks, samplesPerTask: benchmark.samplesPerTask,
            availablePerTask: benchmark.trainSamplesAvailable, batchSize: optimizer.batchSize,
            epochs: optimizer.epochs, momentum: optimizer.momentum, scenario: benchmark.scenario, model: model,
            inputShape: benchmark.dataset.imageShape, classes: benchmark.dataset.classCount)
    }
}

extension RunSpec {
    var strategyContext: StrategyContext { StrategyContext(benchmark: benchmark, optimizer: optimizer, model: model) }
}
