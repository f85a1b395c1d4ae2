import Learning
import XCTest

@testable import Experiments

final class InheritanceTests: XCTestCase {
    func testDefaultsExtendsOverridesAndRemoval() throws {
        let files = [
            "defaults.yaml":
                "defaults:\n  seeds: 0-1\n  optimizer: {lr: 0.1, batch_size: 10}\n  model: {hidden: [50]}\n",
            "a.yaml": """
            templates:
              base:
                benchmark: {kind: permuted, tasks: 4, samples_per_task: 100}
                optimizer: {epochs: 2}
                strategies:
                  naive: {}
                  gem: {patterns_per_experience: 10, memory_strength: 0.5}
            experiments:
              parent:
                extends: base
                description: the parent
                suites: [s1]
                strategies:
                  single: {method: naive, lr: 0.03}
              child:
                extends: parent
                suites: [s2]
                benchmark: {kind: rotated}
                optimizer: {batch_size: 20}
                strategies:
                  gem: {memory_strength: 1, lr: 0.01}
                  naive: ~
            """,
        ]
        let registry = try loaded(files)
        XCTAssertEqual(registry.experiments.map(\.name), ["parent", "child"])
        let parent = try XCTUnwrap(registry.experiment(named: "parent"))
        let child = try XCTUnwrap(registry.experiment(named: "child"))

        XCTAssertEqual(parent.seeds, [0, 1])
        XCTAssertEqual(parent.model, ModelSpec(hidden: [50]))
        XCTAssertEqual(parent.benchmark, BenchmarkSpec(kind: .permuted, tasks: 4, samplesPerTask: 100))
        XCTAssertEqual(
            parent.strategies,
            [
                Strategy(label: "naive", method: .naive, optimizer: OptimizerSpec(lr: 0.1, batchSize: 10, epochs: 2)),
                Strategy(
                    label: "gem",
                    method: .gem(patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .random),
                    optimizer: OptimizerSpec(lr: 0.1, batchSize: 10, epochs: 2)),
                Strategy(label: "single", method: .naive, optimizer: OptimizerSpec(lr: 0.03, batchSize: 10, epochs: 2)),
            ])
        XCTAssertEqual(parent.description, "the parent")

        // The child: kind overridden, tasks kept; batch size overridden for every strategy;
        // gem's strength and lr overridden, its memory kept; naive removed; suites and
        // description not inherited.
        XCTAssertEqual(child.benchmark, BenchmarkSpec(kind: .rotated, tasks: 4, samplesPerTask: 100))
        XCTAssertEqual(
            child.strategies,
            [
                Strategy(
                    label: "gem", method: .gem(patternsPerExperience: 10, memoryStrength: 1, memorySelection: .random),
                    optimizer: OptimizerSpec(lr: 0.01, batchSize: 20, epochs: 2)),
                Strategy(label: "single", method: .naive, optimizer: OptimizerSpec(lr: 0.03, batchSize: 20, epochs: 2)),
            ])
        XCTAssertNil(child.description)
        XCTAssertEqual(registry.suites, ["s1": ["parent"], "s2": ["child"]])
        XCTAssertEqual(child.sourceFile.hasSuffix("/a.yaml"), true)
    }

    func testBuiltInDefaults() throws {
        let registry = try loaded([
            "a.yaml": experimentFile("benchmark: {kind: split}\noptimizer: {lr: 0.1}\nstrategies: {naive: }")
        ])
        let e = try XCTUnwrap(registry.experiments.first)
        XCTAssertEqual(e.seeds, [0])
        XCTAssertEqual(e.benchmark, BenchmarkSpec(kind: .split, dataset: .mnist, tasks: 5, scenario: .taskIncremental))
        XCTAssertEqual(e.model.hiddenWidths, [100, 100])
        XCTAssertEqual(e.strategies[0].optimizer, OptimizerSpec(lr: 0.1, batchSize: 10, epochs: 1, momentum: 0))
    }
}

final class PlanTests: XCTestCase {
    let files = [
        "a.yaml": """
        experiments:
          one:
            suites: [s]
            seeds: [3, 1]
            benchmark: {kind: permuted, tasks: 2}
            optimizer: {lr: 0.1}
            strategies: {naive: {}, joint: {}}
          two:
            suites: [s]
            benchmark: {kind: split}
            optimizer: {lr: 0.1}
            strategies: {gem: {patterns_per_experience: 5, memory_strength: 0}}
        """
    ]

    func testPlanOrderIsSuiteOrderThenSeedMajor() throws {
        let registry = try loaded(files)
        let ids = try registry.plan(suite: "s").map(\.runID)
        XCTAssertEqual(
            ids,
            [
                "one__naive__seed3", "one__joint__seed3", "one__naive__seed1", "one__joint__seed1",
                "two__gem__seed0",
            ])
        XCTAssertEqual(try registry.plan(suite: "s"), try registry.plan(suite: "s"))
    }

    func testSeedsOverrideAndStrategySelectors() throws {
        let registry = try loaded(files)
        let plan = try registry.plan(experiments: ["two", "one/joint", "two"], seeds: SeedSelection(parsing: "0-1"))
        XCTAssertEqual(
            plan.map(\.runID), ["two__gem__seed0", "two__gem__seed1", "one__joint__seed0", "one__joint__seed1"])
        XCTAssertEqual(plan[0].outputFileName, "two__gem__seed0.h5")
        let both = try registry.plan(experiments: ["one/joint"], suite: "s")
        XCTAssertEqual(both.count, 5)
    }
}

final class ShippedExperimentsTests: XCTestCase {
    func testEveryShippedSuiteLoadsAndPlans() throws {
        let registry: Registry
        do {
            registry = try Registry.load(directory: shippedExperimentsDirectory)
        } catch {
            return XCTFail("\(error)")
        }
        XCTAssertEqual(
            registry.suiteNames,
            [
                "agem-paper", "cifar10", "fashion", "gem-paper-cifar100", "gem-paper-cifar100-small", "paper",
                "permuted", "rotated", "smoke", "split", "split-fashion-conv",
            ])
        let counts = try registry.suiteNames.map { ($0, try registry.plan(suite: $0).count) }
        XCTAssertEqual(
            Dictionary(uniqueKeysWithValues: counts),
            [
                "agem-paper": 35, "split": 22, "permuted": 5, "rotated": 5, "fashion": 28, "paper": 60, "smoke": 71,
                "cifar10": 4,
                "gem-paper-cifar100": 20, "gem-paper-cifar100-small": 4, "split-fashion-conv": 5,
            ])
        for suite in registry.suiteNames {
            let plan = try registry.plan(suite: suite)
            XCTAssertEqual(Set(plan.map(\.runID)).count, plan.count, suite)
            for spec in plan {
                XCTAssertEqual(try RunSpec(canonicalYAML: spec.canonicalYAML), spec)
            }
        }
    }

    /// The settings read from facebookresearch/agem (Results/agem-paper/agem-paper-mnist.md, Provenance).
    func testAGEMPaperSuiteHasTheReleasedCodesSettings() throws {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        let plan = try registry.plan(suite: "agem-paper")
        XCTAssertEqual(Set(plan.map(\.seed)), [0, 1, 2, 3, 4])
        for spec in plan {
            XCTAssertEqual(spec.benchmark.kind, .permuted)
            XCTAssertEqual(spec.benchmark.tasks, 17)
            XCTAssertEqual(spec.benchmark.samplesPerTask, 55_000)
            XCTAssertNil(spec.benchmark.testSamplesPerTask)
            XCTAssertEqual(spec.model.hiddenWidths, [256, 256])
            XCTAssertEqual(spec.optimizer.batchSize, 10)
            XCTAssertEqual(spec.optimizer.epochs, 1)
            XCTAssertEqual(spec.optimizer.evalEvery, 0)
            XCTAssertTrue(spec.optimizer.lca)
        }
        func setting(_ label: String) throws -> (Double, MethodSpec) {
            let spec = try XCTUnwrap(plan.first { $0.strategy == label })
            return (spec.optimizer.lr, spec.method)
        }
        XCTAssertTrue(try setting("van") == (0.03, .naive))
        XCTAssertTrue(try setting("ewc") == (0.03, .ewc(patternsPerExperience: 10, lambda: 10)))
        XCTAssertTrue(
            try setting("gem") == (
                0.03,
                .gem(
                    patternsPerExperience: 250, memoryStrength: 0.5,
                    memorySelection: .random)
            ))
        XCTAssertTrue(try setting("agem") == (0.1, .agem(patternsPerExperience: 250, sampleSize: 256)))
        // MAS, RWALK: --synap-stgth 0.1 and 1 at lr 0.1; ξ = PARAM_XI_STEP = 1e-3; RWalk's Fisher
        // FISHER_EMA_DECAY = 0.9 every FISHER_UPDATE_AFTER = 10 steps; MAS over batches of 10, last task only
        XCTAssertTrue(
            try setting("mas") == (
                0.1,
                MethodSpec(
                    "mas",
                    [
                        "lambda_reg": .double(0.1), "alpha": .double(0),
                        "importance_batch": .int(10),
                    ])!
            ))
        XCTAssertTrue(
            try setting("rwalk") == (
                0.1,
                MethodSpec(
                    "rwalk",
                    [
                        "ewc_lambda": .double(1), "ewc_alpha": .double(0.9),
                        "delta_t": .int(10), "eps": .double(1e-3),
                    ])!
            ))
    }

    func testPaperSuiteHasThePapersSettings() throws {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        let plan = try registry.plan(suite: "paper")
        XCTAssertEqual(Set(plan.map(\.seed)), [0, 1, 2, 3, 4])
        for spec in plan {
            XCTAssertEqual(spec.benchmark.tasks, 20)
            XCTAssertEqual(spec.benchmark.samplesPerTask, 1000)
            XCTAssertNil(spec.benchmark.testSamplesPerTask)
            XCTAssertEqual(spec.benchmark.dataset, .mnist)
            XCTAssertEqual(spec.model.hiddenWidths, [100, 100])
            XCTAssertEqual(spec.optimizer.batchSize, 10)
            XCTAssertEqual(spec.optimizer.epochs, 1)
            XCTAssertEqual(spec.optimizer.momentum, 0)
        }
        func setting(_ experiment: String, _ label: String) throws -> (Double, MethodSpec) {
            let spec = try XCTUnwrap(plan.first { $0.experiment == experiment && $0.strategy == label })
            return (spec.optimizer.lr, spec.method)
        }
        let gem = MethodSpec.gem(patternsPerExperience: 256, memoryStrength: 0.5, memorySelection: .recent)
        let perm = "paper-permuted-mnist"
        let rot = "paper-rotated-mnist"
        XCTAssertTrue(try setting(perm, "single") == (0.03, .naive))
        XCTAssertTrue(try setting(rot, "single") == (0.003, .naive))
        XCTAssertTrue(try setting(perm, "independent") == (0.03, .independent(warmStart: true)))
        XCTAssertTrue(try setting(rot, "independent") == (0.1, .independent(warmStart: true)))
        XCTAssertTrue(try setting(perm, "multimodal") == (0.1, .multimodal))
        XCTAssertTrue(try setting(rot, "multimodal") == (0.1, .multimodal))
        XCTAssertTrue(try setting(perm, "ewc") == (0.1, .ewc(patternsPerExperience: 10, lambda: 3)))
        XCTAssertTrue(try setting(rot, "ewc") == (0.01, .ewc(patternsPerExperience: 1000, lambda: 1000)))
        XCTAssertTrue(try setting(perm, "gem") == (0.1, gem))
        XCTAssertTrue(try setting(rot, "gem") == (0.1, gem))
        XCTAssertEqual(try setting(perm, "joint").1, .joint)
        XCTAssertEqual(try setting(rot, "joint").1, .joint)
        XCTAssertEqual(plan.first { $0.experiment == rot }?.benchmark.kind, .rotated)
    }

    func testSmokeCoversEveryMethod() throws {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        let plan = try registry.plan(suite: "smoke")
        XCTAssertEqual(Set(plan.map(\.method.name)), Set(MethodSpec.names))
        XCTAssertTrue(plan.allSatisfy { ($0.benchmark.samplesPerTask ?? .max) <= 200 })
        XCTAssertEqual(Set(plan.map(\.benchmark.kind)), [.permuted, .rotated, .split])
        XCTAssertEqual(Set(plan.map(\.model.kind)), ["mlp", "resnet18"])
    }

    func testDryRunOfEveryShippedSuiteRenders() throws {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        for suite in registry.suiteNames {
            let plan = try registry.plan(suite: suite)
            let text = renderPlan(plan, outputDirectory: "Results/runs")
            XCTAssertEqual(text.split(separator: "\n").count, plan.count + 2, suite)
            XCTAssertTrue(
                text.split(separator: "\n").last!.hasPrefix("\(plan.count) runs (\(plan.count) run); to train: "), text)
        }
    }
}
