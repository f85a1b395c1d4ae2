// The canonical text of a resolved run config: stored in every run file, read back by
// `bench rerun`, compared on resume.

import Benchmarks
import Data
import Foundation
import Learning
import Strategies
import Yams

extension RunSpec {
    /// Version of the canonical layout; bump when fields change.
    public static let canonicalFormat = 1

    /// Every field as (dotted key, canonical text), in canonical order. Optional fields that are
    /// unset read `null`; lists are flow lists (`[100, 100]`); doubles use the shortest text that
    /// parses back to the same bits (`0.1`, `0.003`, `1e-05`, `1000.0`).
    public var canonicalFields: [(key: String, value: String)] {
        func optional(_ x: Int?) -> String { x.map(String.init) ?? "null" }
        var fields: [(String, String)] = [
            ("format", String(RunSpec.canonicalFormat)),
            ("experiment", quoted(experiment)),
            ("strategy", quoted(strategy)),
            ("seed", String(seed)),
            ("source_file", quoted(sourceFile)),
        ]
        // only when folders were added, so that the configs of other runs read exactly as before
        if !experimentFolders.isEmpty {
            fields.append(("experiment_folders", flowList(experimentFolders.map(quoted))))
        }
        fields += [
            ("benchmark.kind", benchmark.kind.rawValue),
            ("benchmark.dataset", benchmark.dataset.rawValue),
            ("benchmark.tasks", String(benchmark.tasks)),
            ("benchmark.samples_per_task", optional(benchmark.samplesPerTask)),
            ("benchmark.test_samples_per_task", optional(benchmark.testSamplesPerTask)),
            ("benchmark.scenario", benchmark.scenario.rawValue),
            ("benchmark.angles", benchmark.angles.map { flowList($0.map(formatDouble)) } ?? "null"),
            ("benchmark.class_order", benchmark.classOrder.map { flowList($0.map(String.init)) } ?? "null"),
            ("model.kind", model.kind),
        ]
        for key in model.definition.keys {
            let value = model.list(key.name)
            fields.append(
                ("model.\(key.name)", key.kind == .positiveInt ? String(value[0]) : flowList(value.map(String.init))))
        }
        fields += [
            ("optimizer.lr", formatDouble(optimizer.lr)),
            ("optimizer.batch_size", String(optimizer.batchSize)),
            ("optimizer.epochs", String(optimizer.epochs)),
            ("optimizer.momentum", formatDouble(optimizer.momentum)),
        ]
        // only when on, so that the configs of runs without curves read exactly as before
        if optimizer.evalEvery > 0 { fields.append(("optimizer.eval_every", String(optimizer.evalEvery))) }
        if optimizer.lca { fields.append(("optimizer.lca", "true")) }
        fields.append(("method.name", method.name))
        fields += method.parameters.map { ("method." + $0.key, $0.value) }
        return fields
    }

    /// The config as flat string attributes (for HDF5): the canonical fields, strings unquoted.
    public var flattenedConfig: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in canonicalFields { result[key] = unquoted(value) }
        return result
    }

    /// The resolved config as YAML: stable key order, every field explicit, bit-exact numbers.
    public var canonicalYAML: String {
        var lines = ["# GEMBench resolved run config (canonical form; see docs/experiments.md)"]
        var section: String?
        for (key, value) in canonicalFields {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                if section != parts[0] {
                    lines.append("\(parts[0]):")
                    section = parts[0]
                }
                lines.append("  \(parts[1]): \(value)")
            } else {
                section = nil
                lines.append("\(key): \(value)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses text written by `canonicalYAML`. Every field must be present and no other, except
    /// fields added after run files existed: `model.kind` (absent: mlp) and the method keys
    /// whose `StrategyParameter.valueWhenNotStored` says what their absence meant.
    /// `source` names the text in error messages (e.g. the run file's path).
    public init(canonicalYAML text: String, source: String = "(stored config)") throws {
        let (root, syntax) = parseYAML(text, file: source)
        if !syntax.isEmpty { throw RegistryError(syntax) }
        var c = Checker()
        guard let root, root.entries != nil else {
            throw RegistryError([
                Diagnostic(
                    location: SourceLocation(file: source, line: 1, column: 1),
                    field: "(root)", message: "expected a run config mapping")
            ])
        }
        let top = [
            "format", "experiment", "strategy", "seed", "source_file", "experiment_folders", "benchmark",
            "model", "optimizer", "method",
        ]
        c.checkKeys(root, known: top)
        func req(_ parent: YValue?, _ key: String) -> YValue? {
            guard let parent else { return nil }
            if let v = parent[key] { return v }
            c.missing(key, in: parent)
            return nil
        }
        if let format = c.int(req(root, "format")), format != RunSpec.canonicalFormat {
            c.error(
                root["format"]!, "unsupported config format \(format) (this build reads \(RunSpec.canonicalFormat))")
        }
        let experiment = c.string(req(root, "experiment"))
        let strategy = c.string(req(root, "strategy"))
        let seed = c.nonNegativeInt(req(root, "seed"))
        let sourceFile = c.string(req(root, "source_file")) ?? ""
        // absent: the shipped folder alone (and every file written before the key existed)
        let experimentFolders = root["experiment_folders"].map { c.list($0)?.compactMap { c.string($0) } ?? [] } ?? []

        let b = req(root, "benchmark")
        if let b { c.checkKeys(b, known: Keys.benchmark) }
        let kind: BenchmarkKind? = c.choice(req(b, "kind"), "benchmark kind")
        let dataset: DatasetName? = c.choice(req(b, "dataset"), "dataset")
        let tasks = c.positiveInt(req(b, "tasks"))
        let samples = c.positiveInt(req(b, "samples_per_task"))
        let testSamples = c.positiveInt(req(b, "test_samples_per_task"))
        let scenario: Scenario? = c.choice(req(b, "scenario"), "scenario")
        let angles = c.list(req(b, "angles"))?.compactMap { c.double($0) }
        let classOrder = c.list(req(b, "class_order"))?.compactMap { c.int($0) }

        let m = req(root, "model")
        if let m { c.checkKeys(m, known: Keys.model) }
        var model: ModelSpec?
        var modelDefinition: (any ModelDefinition.Type)? = MLP.self
        if let v = m?["kind"] { modelDefinition = c.modelKind(v) }
        if let modelDefinition {
            var values: [String: [Int]] = [:]
            for key in modelDefinition.keys {
                switch key.kind {
                case .positiveInt: values[key.name] = c.positiveInt(req(m, key.name)).map { [$0] }
                case .positiveIntList: values[key.name] = c.list(req(m, key.name))?.compactMap { c.positiveInt($0) }
                }
            }
            if values.count == modelDefinition.keys.count { model = ModelSpec(modelDefinition, values) }
        }

        let o = req(root, "optimizer")
        if let o { c.checkKeys(o, known: Keys.optimizer) }
        let lr = c.positiveDouble(req(o, "lr"))
        let batchSize = c.positiveInt(req(o, "batch_size"))
        let epochs = c.positiveInt(req(o, "epochs"))
        let momentum = c.double(req(o, "momentum"))
        let evalEvery = o?["eval_every"].map { c.positiveInt($0) } ?? 0  // absent: off (files before it)
        let lca = o?["lca"].map { c.bool($0) } ?? false  // absent: off (files before it)

        var method: MethodSpec?
        if let mv = req(root, "method"), let name = c.string(req(mv, "name")) {
            if let definition = StrategyList.named(name) {
                c.checkKeys(mv, known: ["name"] + definition.parameters.map(\.key))
                var values: [(String, ParameterValue)] = []
                for parameter in definition.parameters {
                    let stored = parameter.valueWhenNotStored == nil ? req(mv, parameter.key) : mv[parameter.key]
                    if let stored {
                        if let v = c.parameter(stored, parameter.kind) { values.append((parameter.key, v)) }
                    } else if let absent = parameter.valueWhenNotStored {
                        values.append((parameter.key, absent))
                    }
                }
                if values.count == definition.parameters.count {
                    method = MethodSpec(name: name, values: StrategyValues(values))
                }
            } else {
                c.error(mv["name"]!, "unknown method '\(name)'")
            }
        }
        guard c.diagnostics.isEmpty, let experiment, let strategy, let seed, let kind, let dataset, let tasks,
            let scenario, let model, let lr, let batchSize, let epochs, let momentum, let evalEvery, let lca, let method
        else {
            throw RegistryError(
                c.diagnostics.isEmpty
                    ? [
                        Diagnostic(
                            location: SourceLocation(file: source, line: 1, column: 1), field: "(root)",
                            message: "incomplete run config")
                    ]
                    : c.diagnostics)
        }
        self.init(
            experiment: experiment, strategy: strategy, seed: seed,
            benchmark: BenchmarkSpec(
                kind: kind, dataset: dataset, tasks: tasks, samplesPerTask: samples,
                testSamplesPerTask: testSamples, scenario: scenario, angles: angles,
                classOrder: classOrder),
            model: model,
            optimizer: OptimizerSpec(
                lr: lr, batchSize: batchSize, epochs: epochs, momentum: momentum,
                evalEvery: evalEvery, lca: lca),
            method: method, sourceFile: sourceFile, experimentFolders: experimentFolders)
    }
}

private func flowList(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

/// A JSON string literal, which is also a YAML double-quoted string (the event log writes it too).
func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\u%04X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

private func unquoted(_ s: String) -> String {
    guard s.hasPrefix("\""), let node = try? Yams.compose(yaml: s), let text = node.string else { return s }
    return text
}
