// The experiment registry: every experiment declared in `Experiments/*.yaml`, resolved and
// validated as a whole before anything runs. The format is described in docs/experiments.md.

import Benchmarks
import Data
import Foundation
import Learning
import Strategies

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
    /// The experiment folders a command must name to find this experiment again (those added in
    /// front of the shipped one); its runs record them (`RunSpec.experimentFolders`).
    public var experimentFolders: [String] = []

    /// The runs of this experiment, seed-major: every strategy of seed 0, then of seed 1, ...
    public func runs(seeds: [Int]? = nil, strategies labels: Set<String>? = nil) -> [RunSpec] {
        (seeds ?? self.seeds).flatMap { seed in
            strategies.filter { labels?.contains($0.label) ?? true }.map { strategy in
                RunSpec(
                    experiment: name, strategy: strategy.label, seed: seed, benchmark: benchmark, model: model,
                    optimizer: strategy.optimizer, method: strategy.method, sourceFile: sourceFile,
                    experimentFolders: experimentFolders)
            }
        }
    }
}

/// Every experiment in a directory of YAML files, validated.
public struct Registry: Sendable {
    /// All experiments: files in name order, experiments in file order.
    public private(set) var experiments: [Experiment]

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
        try load(directories: [directory])
    }

    /// Loads the files of several folders as one registry: folders in the order given, each
    /// folder's files in name order. An experiment may extend a template of any folder; a name
    /// declared in two folders, or `defaults:` in two, is an error naming both files.
    /// `recordedFolders` are the folders each run records as provenance (the ones a user added
    /// in front of the shipped folder), so that the command printed for it finds it again.
    public static func load(directories: [String], recordedFolders: [String] = []) throws -> Registry {
        var sources: [(file: String, text: String)] = []
        var problems: [Diagnostic] = []
        for directory in directories {
            do { sources += try yamlFiles(in: directory) } catch let error as RegistryError {
                problems += error.diagnostics
            }
        }
        if !problems.isEmpty { throw RegistryError(problems) }
        var registry = try Registry(sources: sources)
        registry.experiments = registry.experiments.map {
            var experiment = $0
            experiment.experimentFolders = recordedFolders
            return experiment
        }
        return registry
    }

    /// The YAML files of one folder, in name order, as (`directory/name`, text).
    private static func yamlFiles(in directory: String) throws -> [(file: String, text: String)] {
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw RegistryError([
                Diagnostic(
                    location: nil, field: directory,
                    message: "cannot read the experiments directory: \(error.localizedDescription)")
            ])
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var sources: [(file: String, text: String)] = []
        var problems: [Diagnostic] = []
        for name in names {
            let path = base + "/" + name
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                problems.append(
                    Diagnostic(
                        location: SourceLocation(file: path, line: 1, column: 1), field: "(file)",
                        message: "cannot read the file as UTF-8 text"))
                continue
            }
            sources.append((path, text))
        }
        if !problems.isEmpty { throw RegistryError(problems) }
        return sources
    }

    /// Builds a registry from YAML texts; `file` names each text in messages. Order matters:
    /// it is the registry order (and the order of experiments within a suite).
    public init(sources: [(file: String, text: String)]) throws {
        var loader = ExperimentLoader()
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
    public func plan(
        experiments selectors: [String] = [], suite: String? = nil,
        seeds: SeedSelection? = nil
    ) throws -> [RunSpec] {
        var problems: [Diagnostic] = []
        var order: [String] = []
        var filters: [String: Set<String>?] = [:]
        func add(_ name: String, _ labels: Set<String>?) {
            if let existing = filters[name] {
                if let existing, let labels {
                    filters[name] = existing.union(labels)
                } else {
                    filters[name] = .some(nil)
                }
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
                problems.append(
                    Diagnostic(
                        location: nil, field: "--suite \(suite)",
                        message: "no experiment declares this suite\(hint) (suites: \(known.joined(separator: ", ")))"))
            }
        }
        for selector in selectors {
            let parts = selector.split(separator: "/", maxSplits: 1).map(String.init)
            let name = parts.first ?? selector
            guard let experiment = experiment(named: name) else {
                let hint =
                    suites[name] != nil && parts.count == 1
                    ? "; '\(name)' is a suite: select it with --suite \(name)"
                    : suggestion(for: name, in: experiments.map(\.name))
                problems.append(
                    Diagnostic(
                        location: nil, field: "experiment \(name)",
                        message: "no experiment has this name\(hint)"))
                continue
            }
            if parts.count == 2 {
                let labels = experiment.strategies.map(\.label)
                guard labels.contains(parts[1]) else {
                    let hint =
                        closest(to: parts[1], in: labels).map { "did you mean '\($0)'?" }
                        ?? "its strategies: \(labels.joined(separator: ", "))"
                    problems.append(
                        Diagnostic(
                            location: nil, field: "experiment \(selector)",
                            message: "'\(name)' has no strategy '\(parts[1])'; \(hint)"))
                    continue
                }
                add(name, [parts[1]])
            } else {
                add(name, nil)
            }
        }
        if suite == nil && selectors.isEmpty {
            problems.append(
                Diagnostic(
                    location: nil, field: "selection",
                    message:
                        "no experiments selected; name experiments or a --suite (suites: \(suiteNames.joined(separator: ", ")))"
                ))
        }
        if !problems.isEmpty { throw RegistryError(problems) }
        return order.flatMap { name in
            experiment(named: name)!.runs(seeds: seeds?.seeds, strategies: filters[name]!)
        }
    }
}
