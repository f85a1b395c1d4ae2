import Learning
import XCTest

@testable import Experiments

/// Every validation error, with its exact message: `FILE:LINE:COLUMN: FIELD: MESSAGE`.
final class ValidationTests: XCTestCase {
    func testValidFileLoads() throws {
        let registry = try loaded(["a.yaml": experimentFile(validBody)])
        XCTAssertEqual(registry.experiments.map(\.name), ["e"])
    }

    func testYAMLSyntaxErrorNamesLineAndColumn() throws {
        let text = """
            experiments:
              e:
                benchmark: {kind: permuted
                optimizer: {lr: 0.1}
            """
        let errors = try loadErrors(["a.yaml": text])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:4:14: syntax: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 3, column 16)"
            ])
    }

    func testDuplicateKeyInOneMappingIsASyntaxError() throws {
        let errors = try loadErrors(["a.yaml": experimentFile(validBody + "\noptimizer:\n  lr: 0.2")])
        XCTAssertEqual(errors, ["DIR/a.yaml:7:5: syntax: duplicate key 'optimizer' in one mapping"])
    }

    func testUnknownKeySuggestsClosestKnownKey() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}",
            with: "gem:\n    patterns_per_experience: 10\n    memory_strenght: 0.5")
        let errors = try loadErrors(["permuted.yaml": experimentFile(name: "permuted-mnist", body)])
        XCTAssertEqual(
            errors,
            [
                "DIR/permuted.yaml:11:9: experiments.permuted-mnist.strategies.gem.memory_strength: missing required key 'memory_strength'",
                "DIR/permuted.yaml:12:9: experiments.permuted-mnist.strategies.gem.memory_strenght: unknown key; did you mean 'memory_strength'?",
            ])
    }

    func testUnknownKeyFarFromAnyKnownKeyListsTheKnownKeys() throws {
        let errors = try loadErrors([
            "a.yaml": experimentFile(validBody.replacingOccurrences(of: "  lr: 0.1", with: "  lr: 0.1\n  colour: red"))
        ])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:9:7: experiments.e.optimizer.colour: unknown key; expected one of: lr, batch_size, epochs, momentum, eval_every, lca"
            ])
    }

    func testLCAMustBeTrueOrFalse() throws {
        let errors = try loadErrors([
            "a.yaml": experimentFile(validBody.replacingOccurrences(of: "  lr: 0.1", with: "  lr: 0.1\n  lca: 10"))
        ])
        XCTAssertEqual(errors, ["DIR/a.yaml:9:12: experiments.e.optimizer.lca: expected true or false, got 10"])
        XCTAssertNoThrow(
            try loaded([
                "a.yaml": experimentFile(
                    validBody.replacingOccurrences(of: "  lr: 0.1", with: "  lr: 0.1\n  lca: true"))
            ]))
    }

    func testUnknownTopLevelAndSectionKeys() throws {
        let errors = try loadErrors(["a.yaml": "experiment:\n  e: {}\n"])
        XCTAssertEqual(errors, ["DIR/a.yaml:1:1: experiment: unknown key; did you mean 'experiments'?"])
        let errors2 = try loadErrors(["a.yaml": experimentFile(validBody + "\nbenchmrk: {}")])
        XCTAssertEqual(errors2, ["DIR/a.yaml:11:5: experiments.e.benchmrk: unknown key; did you mean 'benchmark'?"])
    }

    func testWrongTypes() throws {
        let body =
            validBody
            .replacingOccurrences(of: "lr: 0.1", with: "lr: fast\n  batch_size: 2.5\n  momentum: '0.9'")
            .replacingOccurrences(of: "tasks: 3", with: "tasks: [3]")
        let errors = try loadErrors(["a.yaml": experimentFile(body)])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:5:14: experiments.e.benchmark.tasks: expected an integer, got a list",
                "DIR/a.yaml:8:11: experiments.e.optimizer.lr: expected a number, got fast",
                "DIR/a.yaml:9:19: experiments.e.optimizer.batch_size: expected an integer, got 2.5",
                "DIR/a.yaml:10:17: experiments.e.optimizer.momentum: expected a number, got '0.9'",
            ])
    }

    func testSectionThatIsNotAMapping() throws {
        let errors = try loadErrors([
            "a.yaml": experimentFile(
                validBody.replacingOccurrences(of: "optimizer:\n  lr: 0.1", with: "optimizer: 0.1"))
        ])
        XCTAssertEqual(errors, ["DIR/a.yaml:7:16: experiments.e.optimizer: expected a mapping, got a number"])
    }

    func testImpossibleOptimizerValues() throws {
        let body = validBody.replacingOccurrences(
            of: "lr: 0.1", with: "lr: 0\n  batch_size: 0\n  epochs: -1\n  momentum: 1.5")
        let errors = try loadErrors(["a.yaml": experimentFile(body)])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:8:11: experiments.e.optimizer.lr: must be > 0, got 0.0",
                "DIR/a.yaml:9:19: experiments.e.optimizer.batch_size: must be at least 1, got 0",
                "DIR/a.yaml:10:15: experiments.e.optimizer.epochs: must be at least 1, got -1",
                "DIR/a.yaml:11:17: experiments.e.optimizer.momentum: must be in [0, 1), got 1.5",
            ])
    }

    func testNegativeLearningRateInAStrategyOverride() throws {
        let body = validBody.replacingOccurrences(of: "naive: {}", with: "naive: {lr: -0.01}")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            ["DIR/a.yaml:10:19: experiments.e.strategies.naive.lr: must be > 0, got -0.01"])
    }

    func testNegativeMemoryStrength() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}",
            with: "gem: {patterns_per_experience: 10, memory_strength: -0.5}")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            ["DIR/a.yaml:10:59: experiments.e.strategies.gem.memory_strength: must be >= 0, got -0.5"])
    }

    /// SI, MAS and RWalk: negative strengths, dampings ≤ 0, mixing weights outside [0, 1], zero
    /// counts, and a missing strength are refused before anything trains.
    func testRegularisationKeysAreChecked() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}",
            with: """
                si: {si_lambda: -1, eps: 0}
                  mas: {lambda_reg: 0.1, alpha: 1.5, importance_batch: 0}
                  rwalk: {ewc_lambda: -0.5, ewc_alpha: -0.1, delta_t: 0, eps: -1e-3}
                  mas-default: {method: mas}
                """)
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:10:23: experiments.e.strategies.si.si_lambda: must be >= 0, got -1.0",
                "DIR/a.yaml:10:32: experiments.e.strategies.si.eps: must be > 0, got 0.0",
                "DIR/a.yaml:11:37: experiments.e.strategies.mas.alpha: must be in [0, 1], got 1.5",
                "DIR/a.yaml:11:60: experiments.e.strategies.mas.importance_batch: must be at least 1, got 0",
                "DIR/a.yaml:12:27: experiments.e.strategies.rwalk.ewc_lambda: must be >= 0, got -0.5",
                "DIR/a.yaml:12:44: experiments.e.strategies.rwalk.ewc_alpha: must be in [0, 1], got -0.1",
                "DIR/a.yaml:12:59: experiments.e.strategies.rwalk.delta_t: must be at least 1, got 0",
                "DIR/a.yaml:12:67: experiments.e.strategies.rwalk.eps: must be > 0, got -0.001",
                "DIR/a.yaml:13:20: experiments.e.strategies.mas-default.lambda_reg: missing required key 'lambda_reg'",
            ])
    }

    func testMorePatternsPerExperienceThanSamplesPerTask() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}",
            with: "gem: {patterns_per_experience: 256, memory_strength: 0.5}")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:10:38: experiments.e.strategies.gem.patterns_per_experience: 256 patterns per experience exceed the 100 samples per task"
            ])
    }

    func testAngleCountMustMatchTasks() throws {
        let body = validBody.replacingOccurrences(of: "kind: permuted", with: "kind: rotated\n  angles: [0, 90]")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            ["DIR/a.yaml:5:15: experiments.e.benchmark.angles: needs one angle per task: 3 tasks, 2 angles"])
    }

    func testAnglesOnlyOnRotatedAndClassOrderOnlyOnSplit() throws {
        let body = validBody.replacingOccurrences(
            of: "kind: permuted",
            with: "kind: permuted\n  angles: [0, 1, 2]\n  class_order: [0, 1]")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:5:15: experiments.e.benchmark.angles: angles apply only to rotated benchmarks, not permuted",
                "DIR/a.yaml:6:20: experiments.e.benchmark.class_order: class_order applies only to split benchmarks, not permuted",
            ])
    }

    func testSplitChecks() throws {
        let body = validBody.replacingOccurrences(
            of: "kind: permuted", with: "kind: split\n  scenario: domain-incremental\n  class_order: [0, 1, 2]")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:5:17: experiments.e.benchmark.scenario: split benchmarks are task-incremental or class-incremental, not domain-incremental",
                "DIR/a.yaml:6:20: experiments.e.benchmark.class_order: must list each class 0-9 exactly once, got [0, 1, 2]",
                "DIR/a.yaml:7:14: experiments.e.benchmark.tasks: a split benchmark deals its 10 classes evenly: tasks must be 2, 5 or 10, got 3",
            ])
    }

    func testPermutedIsDomainIncremental() throws {
        let body = validBody.replacingOccurrences(
            of: "kind: permuted", with: "kind: permuted\n  scenario: class-incremental")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:5:17: experiments.e.benchmark.scenario: permuted benchmarks are domain-incremental (one shared 10-way head), not class-incremental"
            ])
    }

    func testUnknownMethodInLabelAndInMethodField() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}", with: "gemm: {}\n  mine: {method: replya, memory_size: 10}")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:10:7: experiments.e.strategies.gemm: unknown method 'gemm'; did you mean 'gem'? (a label that is not a method name needs 'method:', one of: naive, replay, er, der, derpp, icarl, gem, agem, ewc, si, mas, rwalk, lwf, joint, independent, pnn, multimodal)",
                "DIR/a.yaml:11:22: experiments.e.strategies.mine.method: unknown method 'replya'; did you mean 'replay'?",
            ])
    }

    func testGEMComputationKeys() throws {
        let good = validBody.replacingOccurrences(
            of: "naive: {}",
            with:
                "gem: {patterns_per_experience: 10, memory_strength: 0.5}\n  gem-direct: {method: gem, patterns_per_experience: 10, memory_strength: 0.5, reference_gradients: direct, sparse_first_layer: false}"
        )
        let methods: [MethodSpec] = try loaded(["a.yaml": experimentFile(good)]).plan(
            experiments: ["e"], seeds: SeedSelection([0])
        ).map(\.method)
        XCTAssertEqual(
            methods,
            [
                .gem(
                    patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .random,
                    referenceGradients: .incremental, sparseFirstLayer: true),
                .gem(
                    patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .random,
                    referenceGradients: .direct, sparseFirstLayer: false),
            ])
        let bad = validBody.replacingOccurrences(
            of: "naive: {}",
            with:
                "gem: {patterns_per_experience: 10, memory_strength: 0.5, reference_gradients: incremantal, sparse_first_layer: yes}"
        )
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(bad)]),
            [
                "DIR/a.yaml:10:85: experiments.e.strategies.gem.reference_gradients: unknown reference gradients 'incremantal'; did you mean 'incremental'?",
                "DIR/a.yaml:10:118: experiments.e.strategies.gem.sparse_first_layer: expected true, false or auto, got yes",
            ])
        // `auto` written out is the default: the fast paths on an MLP
        let auto = validBody.replacingOccurrences(
            of: "naive: {}",
            with:
                "gem: {patterns_per_experience: 10, memory_strength: 0.5, reference_gradients: auto, sparse_first_layer: auto}"
        )
        XCTAssertEqual(
            try loaded(["a.yaml": experimentFile(auto)]).plan(experiments: ["e"], seeds: SeedSelection([0])).map(
                \.method),
            [methods[0]])
    }

    func testLwFWeightAndTemperatureAreChecked() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}",
            with:
                "lwf: {alpha: -0.5, temperature: 0}\n  lwf-hot: {method: lwf, temperature: -2}\n  lwf-ok: {method: lwf, alpha: 0}"
        )
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:10:20: experiments.e.strategies.lwf.alpha: must be >= 0, got -0.5",
                "DIR/a.yaml:10:39: experiments.e.strategies.lwf.temperature: must be > 0, got 0.0",
                "DIR/a.yaml:11:43: experiments.e.strategies.lwf-hot.temperature: must be > 0, got -2.0",
            ])
    }

    /// Progressive networks need an MLP to build columns from, and the task id at test time.
    func testPNNIsRefusedOnAResNetAndWithoutTaskIds() throws {
        let conv = """
            benchmark: {kind: split, samples_per_task: 100}
            model: {kind: resnet18, width: 4}
            optimizer: {lr: 0.1}
            strategies:
              pnn: {}
            """
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(conv)]),
            [
                "DIR/a.yaml:7:7: experiments.e.strategies.pnn: pnn builds its columns and lateral connections from an MLP (model.kind: mlp), not resnet18"
            ])
        let classIncremental = conv.replacingOccurrences(of: "model: {kind: resnet18, width: 4}\n", with: "")
            .replacingOccurrences(
                of: "samples_per_task: 100", with: "samples_per_task: 100, scenario: class-incremental")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(classIncremental)]),
            [
                "DIR/a.yaml:6:7: experiments.e.strategies.pnn: pnn picks each test row's column by its task id, which a class-incremental stream does not give; use task-incremental"
            ])
        _ = try loaded([
            "a.yaml": experimentFile(
                classIncremental.replacingOccurrences(of: "class-incremental", with: "task-incremental"))
        ])
    }

    func testParameterOfAnotherMethod() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}", with: "agem: {patterns_per_experience: 10, sample_size: 10, memory_strength: 0.5}")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:10:60: experiments.e.strategies.agem.memory_strength: not a parameter of method 'agem' (its parameters: patterns_per_experience, sample_size)"
            ])
    }

    func testUnknownDatasetAndKind() throws {
        let body = validBody.replacingOccurrences(
            of: "kind: permuted", with: "kind: permuted\n  dataset: fashion_mnist")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:5:16: experiments.e.benchmark.dataset: unknown dataset 'fashion_mnist'; did you mean 'fashion-mnist'?"
            ])
        let body2 = validBody.replacingOccurrences(of: "kind: permuted", with: "kind: permutated")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body2)]),
            [
                "DIR/a.yaml:4:13: experiments.e.benchmark.kind: unknown benchmark kind 'permutated'; did you mean 'permuted'?"
            ])
    }

    func testMissingRequiredKeys() throws {
        let errors = try loadErrors(["a.yaml": experimentFile("benchmark: {kind: permuted}\nstrategies:\n  replay: {}")]
        )
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:3:5: experiments.e.optimizer.lr: missing required key 'lr'",
                "DIR/a.yaml:3:16: experiments.e.benchmark.tasks: missing required key 'tasks'",
                "DIR/a.yaml:5:15: experiments.e.strategies.replay.memory_size: missing required key 'memory_size'",
            ])
    }

    func testDuplicateExperimentNamesNameBothFiles() throws {
        let errors = try loadErrors(["a.yaml": experimentFile(validBody), "b.yaml": experimentFile(validBody)])
        XCTAssertEqual(errors, ["DIR/b.yaml:2:3: experiments.e: duplicate name 'e'; first declared at DIR/a.yaml:2:3"])
    }

    func testInvalidNames() throws {
        let errors = try loadErrors(["a.yaml": experimentFile(name: "my__exp", validBody)])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:2:3: experiments.my__exp: invalid name 'my__exp': use letters, digits and single '-', '_' or '.' between them"
            ])
    }

    func testExtendsUnknownAndCycle() throws {
        let errors = try loadErrors([
            "a.yaml": experimentFile(validBody + "\nextends: basee") + "  base:\n    extends: e\n"
        ])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:11:14: experiments.e.extends: no experiment or template is named 'basee'; did you mean 'base'?"
            ])
        let cycle = "experiments:\n  a: {extends: b}\n  b: {extends: a}\n"
        XCTAssertEqual(
            try loadErrors(["c.yaml": cycle]),
            [
                "DIR/c.yaml:2:16: experiments.a.extends: 'extends' forms a cycle: a -> b -> a",
                "DIR/c.yaml:3:16: experiments.b.extends: 'extends' forms a cycle: b -> a -> b",
            ])
    }

    func testInheritedValueErrorPointsAtWhereItIsWrittenAndNamesTheExperiment() throws {
        let files = [
            "defaults.yaml": "defaults:\n  optimizer:\n    lr: -1\n",
            "a.yaml": experimentFile(validBody.replacingOccurrences(of: "optimizer:\n  lr: 0.1", with: "")),
        ]
        XCTAssertEqual(
            try loadErrors(files),
            [
                "DIR/defaults.yaml:3:9: defaults.optimizer.lr: must be > 0, got -1.0 (in experiment 'e')"
            ])
    }

    func testAllErrorsOfAFileAreReportedTogetherInLineOrder() throws {
        let text = """
            experiments:
              e:
                benchmark: {kind: permuted, tasks: 3, samples_per_task: 100}
                optimizer: {lr: 0, batch_sise: 10, epochs: 0}
                strategies:
                  gem: {patterns_per_experience: 10, memory_strength: -1}
                  ewc: {patterns_per_experience: 1000, lambda: 3}
            """
        XCTAssertEqual(
            try loadErrors(["a.yaml": text]),
            [
                "DIR/a.yaml:4:21: experiments.e.optimizer.lr: must be > 0, got 0.0",
                "DIR/a.yaml:4:24: experiments.e.optimizer.batch_sise: unknown key; did you mean 'batch_size'?",
                "DIR/a.yaml:4:48: experiments.e.optimizer.epochs: must be at least 1, got 0",
                "DIR/a.yaml:6:59: experiments.e.strategies.gem.memory_strength: must be >= 0, got -1.0",
                "DIR/a.yaml:7:38: experiments.e.strategies.ewc.patterns_per_experience: 1000 patterns per experience exceed the 100 samples per task",
            ])
    }

    func testUnknownSuiteAndExperimentAreReportedByPlan() throws {
        let registry = try loaded(["a.yaml": experimentFile(name: "permuted-mnist", validBody + "\nsuites: [permuted]")]
        )
        XCTAssertThrowsError(try registry.plan(experiments: ["permuted-mnst", "permuted-mnist/gem"], suite: "permutd"))
        { error in
            XCTAssertEqual(
                (error as? RegistryError)?.description,
                """
                --suite permutd: no experiment declares this suite; did you mean 'permuted'? (suites: permuted)
                experiment permuted-mnst: no experiment has this name; did you mean 'permuted-mnist'?
                experiment permuted-mnist/gem: 'permuted-mnist' has no strategy 'gem'; its strategies: naive
                """)
        }
        XCTAssertThrowsError(try registry.plan()) { error in
            XCTAssertEqual(
                (error as? RegistryError)?.description,
                "selection: no experiments selected; name experiments or a --suite (suites: permuted)")
        }
    }

    func testMethodSpecificValues() throws {
        let body = validBody.replacingOccurrences(
            of: "naive: {}",
            with: """
                gem: {patterns_per_experience: 5, memory_strength: 0.5, memory_selection: latest}
                  independent: {warm_start: sometimes}
                """
        ).replacingOccurrences(of: "  lr: 0.1", with: "  lr: 0.1\nmodel: {hidden: [100, 2]}")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:11:81: experiments.e.strategies.gem.memory_selection: unknown memory selection 'latest'; expected one of: random, recent",
                "DIR/a.yaml:12:7: experiments.e.strategies.independent: independent divides each hidden layer among the 3 tasks, but model.hidden has a layer of 2 units",
                "DIR/a.yaml:12:33: experiments.e.strategies.independent.warm_start: expected true or false, got sometimes",
            ])
    }

    func testSecondDefaultsIsRejected() throws {
        let errors = try loadErrors([
            "a.yaml": "defaults:\n  seeds: [0]\n",
            "b.yaml": "defaults:\n  seeds: [1]\n",
            "c.yaml": experimentFile(validBody),
        ])
        XCTAssertEqual(
            errors, ["DIR/b.yaml:2:3: defaults: defaults already declared at DIR/a.yaml:2:3; declare them once"])
    }

    func testYAMLAliasesAreExpanded() throws {
        let registry = try loaded([
            "a.yaml": experimentFile(validBody + "\nmodel: &m {hidden: [10]}")
                + "  f:\n" + validBody.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
                + "\n    model: *m\n"
        ])
        XCTAssertEqual(registry.experiment(named: "f")?.model.hiddenWidths, [10])
    }

    /// Sizes beyond what a task holds were clamped without a word (split trained on ~12k while the
    /// config said 100000); they are refused, naming the field and what the task holds.
    func testSizesBeyondWhatATaskHoldsAreRefused() throws {
        let split = """
            benchmark:
              kind: split
              samples_per_task: 12000
              test_samples_per_task: 3000
            optimizer:
              lr: 0.1
            strategies:
              gem: {patterns_per_experience: 11264, memory_strength: 0.5}
            """
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(split)]),
            [
                "DIR/a.yaml:5:25: experiments.e.benchmark.samples_per_task: 12000 exceeds the 11263 training samples of the smallest task of split/mnist 5x12000 TI test=3000",
                "DIR/a.yaml:6:30: experiments.e.benchmark.test_samples_per_task: 3000 exceeds the 1874 test samples of the smallest task of split/mnist 5x12000 TI test=3000",
            ])
        let patterns = split.replacingOccurrences(
            of: "  samples_per_task: 12000\n  test_samples_per_task: 3000\n", with: "")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(patterns)]),
            [
                "DIR/a.yaml:8:38: experiments.e.strategies.gem.patterns_per_experience: 11264 patterns per experience exceed the 11263 samples per task"
            ])
        let permuted = validBody.replacingOccurrences(
            of: "  samples_per_task: 100", with: "  test_samples_per_task: 10001")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(permuted)]),
            [
                "DIR/a.yaml:6:30: experiments.e.benchmark.test_samples_per_task: 10001 exceeds the 10000 test samples of the smallest task of permuted/mnist 3xall DI test=10001"
            ])
    }

    func testSplitTasksAreAnyDivisorOfTheClassCount() throws {
        let body = "benchmark:\n  kind: split\n  tasks: TASKS\noptimizer:\n  lr: 0.1\nstrategies:\n  naive: {}"
        for tasks in [2, 5, 10] {
            let registry = try loaded([
                "a.yaml": experimentFile(body.replacingOccurrences(of: "TASKS", with: "\(tasks)"))
            ])
            XCTAssertEqual(registry.experiments[0].benchmark.classesPerTask.count, tasks)
        }
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body.replacingOccurrences(of: "TASKS", with: "3"))]),
            [
                "DIR/a.yaml:5:14: experiments.e.benchmark.tasks: a split benchmark deals its 10 classes evenly: tasks must be 2, 5 or 10, got 3"
            ])
    }

    func testModelKindAndBareHiddenBothDeclareAnMLP() throws {
        let kinded = try loaded(["a.yaml": experimentFile(validBody + "\nmodel: {kind: mlp, hidden: [50, 20]}")])
        XCTAssertEqual(kinded.experiments[0].model, .mlp(hidden: [50, 20]))
        let bare = try loaded(["a.yaml": experimentFile(validBody + "\nmodel: {hidden: [50, 20]}")])
        XCTAssertEqual(bare.experiments[0].model, .mlp(hidden: [50, 20]))
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(validBody + "\nmodel: {kind: mpl}")]),
            [
                "DIR/a.yaml:11:19: experiments.e.model.kind: unknown model kind 'mpl'; did you mean 'mlp'?"
            ])
    }

    /// Sizes that passed validation used to overflow, hang or abort allocating: each is now
    /// refused before anything runs, naming what it would need.
    func testSizesTheMachineCannotHoldAreRefusedBeforeTraining() throws {
        func errors(_ replace: String, _ with: String) throws -> [String] {
            try loadErrors(["a.yaml": experimentFile(validBody.replacingOccurrences(of: replace, with: with))])
        }
        let hidden = try errors("  lr: 0.1", "  lr: 0.1\nmodel: {hidden: [100000000]}")
        XCTAssertEqual(hidden.count, 1)
        // 4 bytes × (785·10⁸ + (10⁸+1)·10 parameters) × (values, gradients, velocity) = 954 GB;
        // activations 4 bytes × (10 training rows × 4 + 1000 evaluation rows × 2) × (10⁸ + 10) = 816 GB
        XCTAssertTrue(
            hidden[0].hasPrefix("DIR/a.yaml:11:7: experiments.e.strategies.naive: this run needs about 1770.2 GB"),
            hidden[0])
        XCTAssertTrue(
            hidden[0].contains(
                "(model 954.0 GB from model; activations 816.0 GB from optimizer.batch_size and the method's rows;"),
            hidden[0])
        XCTAssertTrue(hidden[0].hasSuffix("more than this machine's \(gigabytes(machineMemory))"), hidden[0])

        let tasks = try errors("  tasks: 3", "  tasks: 4611686018427387904")
        XCTAssertEqual(tasks.count, 1)
        XCTAssertTrue(tasks[0].contains("this run needs about more than 10^9 GB (task stream"), tasks[0])

        let epochs = try errors("  lr: 0.1", "  lr: 0.1\n  epochs: 9223372036854775807")
        XCTAssertTrue(
            epochs.count == 1 && epochs[0].contains("from optimizer.epochs, batch_size, benchmark.tasks"), "\(epochs)")

        XCTAssertEqual(
            try errors("  lr: 0.1", "  lr: 0.1\n  batch_size: 9223372036854775807"),
            [
                "DIR/a.yaml:9:19: experiments.e.optimizer.batch_size: 9223372036854775807 exceeds the 60000 training samples of a task"
            ])
    }

    /// `angles: [0, 45, 1e308]` passed as finite, then overflowed in the sampler and trapped.
    func testAnglesOutsideAFullTurnAreRefused() throws {
        let body = validBody.replacingOccurrences(of: "kind: permuted", with: "kind: rotated")
            .replacingOccurrences(
                of: "  samples_per_task: 100", with: "  samples_per_task: 100\n  angles: [0, 45, 1e308]")
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(body)]),
            [
                "DIR/a.yaml:7:23: experiments.e.benchmark.angles[2]: angles are degrees in [-360, 360], got 1e+308"
            ])
    }

    func testResNetModelsAndWhatTheyRefuse() throws {
        let split = """
            benchmark: {kind: split, samples_per_task: 100}
            model: {kind: resnet18, width: 4}
            optimizer: {lr: 0.1}
            strategies:
              naive: {}
            """
        let registry = try loaded(["a.yaml": experimentFile(split)])
        XCTAssertEqual(registry.experiments[0].model, .resnet18(width: 4))
        let spec = registry.experiments[0].runs()[0]
        XCTAssertEqual(try RunSpec(canonicalYAML: spec.canonicalYAML), spec)
        XCTAssertTrue(spec.canonicalYAML.contains("model:\n  kind: resnet18\n  width: 4\n"), spec.canonicalYAML)
        // a model of another kind replaces the inherited MLP's hidden widths
        let inherited = try loaded(["a.yaml": "defaults:\n  model: {hidden: [50]}\n" + experimentFile(split)])
        XCTAssertEqual(inherited.experiments[0].model, .resnet18(width: 4))

        // GEM with only the paper's keys runs on the ResNet: `auto` picks the textbook computation,
        // and the stored config says so
        let gemOnly = split.replacingOccurrences(
            of: "  naive: {}", with: "  gem: {patterns_per_experience: 10, memory_strength: 0.5}")
        let conv = try loaded(["a.yaml": experimentFile(gemOnly)]).experiments[0].runs()[0]
        XCTAssertEqual(
            conv.method,
            MethodSpec(
                "gem",
                [
                    "patterns_per_experience": .int(10), "memory_strength": .double(0.5),
                    "reference_gradients": .choice("direct"), "sparse_first_layer": .bool(false),
                ]))
        XCTAssertTrue(
            conv.canonicalYAML.contains("  reference_gradients: direct\n  sparse_first_layer: false\n"),
            conv.canonicalYAML)
        XCTAssertEqual(
            MethodSpec(
                "gem", ["patterns_per_experience": .int(10), "memory_strength": .double(0.5)],
                model: .resnet18(width: 4)),
            conv.method)

        let refused = split.replacingOccurrences(
            of: "  naive: {}",
            with: """
                  gem: {patterns_per_experience: 10, memory_strength: 0.5, reference_gradients: incremental, sparse_first_layer: true}
                  multimodal: {}
                  ewc: {patterns_per_experience: 10, lambda: 1, fisher: empirical}
                """)
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(refused)]),
            [
                "DIR/a.yaml:7:85: experiments.e.strategies.gem.reference_gradients: incremental reference gradients need an MLP (a fully connected first layer); set reference_gradients: direct or auto for resnet18",
                "DIR/a.yaml:7:118: experiments.e.strategies.gem.sparse_first_layer: the sparse first layer needs an MLP; set sparse_first_layer: false or auto for resnet18",
                "DIR/a.yaml:8:7: experiments.e.strategies.multimodal: multimodal's task-specific input layers need an MLP (model.kind: mlp), not resnet18",
                "DIR/a.yaml:9:61: experiments.e.strategies.ewc.fisher: the empirical Fisher takes one sample at a time, a batch of one for resnet18's batch norm; use squared-mean-gradient",
            ])
        XCTAssertEqual(
            try loadErrors([
                "a.yaml": experimentFile(split.replacingOccurrences(of: "width: 4", with: "width: 4, hidden: [10]"))
            ]),
            [
                "DIR/a.yaml:4:47: experiments.e.model.hidden: model kind resnet18 has no key hidden (a key of mlp); its keys: model.width (feature maps of the first stage, nf (the paper: 20))"
            ])
    }

    /// Before: a 351-byte file of aliases nested nine deep expanded to 10^9 values (a
    /// segfault; 10^7 took 26 s and 5 GB).
    func testAliasesNestedInAliasesAreBoundedAndNamed() throws {
        var lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            lines.append(
                "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]")
        }
        let start = Date()
        let errors = try loadErrors(["a.yaml": lines.joined(separator: "\n") + "\nexperiments: {}\n"])
        XCTAssertEqual(
            errors,
            [
                "DIR/a.yaml:1:35: e[7][8][8][8][9]: the file expands to more than 100000 values "
                    + "(aliases nested in aliases?); experiment files hold a few hundred"
            ])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        // within the bound, aliases still work: 10^4 values
        let small = Array(lines.prefix(4)).joined(separator: "\n")
        XCTAssertEqual(
            try loadErrors(["a.yaml": small + "\nexperiments: {}\n"]).first,
            "DIR/a.yaml:1:1: a: unknown key; expected one of: defaults, templates, experiments")
    }
}
