import Foundation
import Learning
import XCTest

@testable import Experiments

/// Several experiment folders read as one registry (`--experiments DIR` in front of the shipped
/// `Experiments/`): `extends` and suites across folders, names unique over all of them, and the
/// folders recorded by every run so that the printed command finds its experiment again.
final class ExperimentFoldersTests: XCTestCase {
    /// The shipped folder's stand-in: defaults, a template and an experiment in suite `s`.
    let shipped = [
        "defaults.yaml": "defaults:\n  optimizer: {lr: 0.1}\n  model: {hidden: [50]}\n",
        "base.yaml": """
        templates:
          base:
            seeds: 0-1
            benchmark: {kind: permuted, tasks: 4, samples_per_task: 100}
            strategies:
              naive: {}
              gem: {patterns_per_experience: 10, memory_strength: 0.5}
        experiments:
          theirs:
            extends: base
            suites: [s]
        """,
    ]
    let mine = [
        "mine.yaml": """
        experiments:
          ours:
            extends: base
            suites: [s, mine]
            benchmark: {tasks: 2}
            strategies:
              naive: ~
        """
    ]

    func testAnExperimentExtendsATemplateOfAnotherFolderAndJoinsItsSuite() throws {
        let user = try makeExperimentsDirectory(mine)
        let ours = try makeExperimentsDirectory(shipped)
        let registry = try Registry.load(directories: [user, ours], recordedFolders: [user])
        XCTAssertEqual(registry.experiments.map(\.name), ["ours", "theirs"])  // the added folder first
        let experiment = try XCTUnwrap(registry.experiment(named: "ours"))
        // from the other folder: the template's benchmark, seeds and GEM, the defaults' model and lr
        XCTAssertEqual(experiment.benchmark, BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 100))
        XCTAssertEqual(experiment.seeds, [0, 1])
        XCTAssertEqual(experiment.model, ModelSpec(hidden: [50]))
        XCTAssertEqual(experiment.strategies.map(\.label), ["gem"])
        XCTAssertEqual(experiment.strategies[0].optimizer.lr, 0.1)
        XCTAssertEqual(experiment.sourceFile, user + "/mine.yaml")
        XCTAssertEqual(registry.suites, ["s": ["ours", "theirs"], "mine": ["ours"]])

        let plan = try registry.plan(suite: "s")
        XCTAssertEqual(
            plan.map(\.runID),
            [
                "ours__gem__seed0", "ours__gem__seed1", "theirs__naive__seed0",
                "theirs__gem__seed0", "theirs__naive__seed1", "theirs__gem__seed1",
            ])
        XCTAssertEqual(Set(plan.map(\.experimentFolders)), [[user]])
    }

    func testANameDeclaredInTwoFoldersIsAnErrorNamingBothFiles() throws {
        let user = try makeExperimentsDirectory(["x.yaml": experimentFile(name: "theirs", validBody)])
        let ours = try makeExperimentsDirectory(shipped)
        XCTAssertThrowsError(try Registry.load(directories: [user, ours])) { error in
            XCTAssertEqual(
                "\(error)",
                "\(ours)/base.yaml:9:3: experiments.theirs: duplicate name 'theirs'; "
                    + "first declared at \(user)/x.yaml:2:3")
        }
    }

    func testDefaultsInTwoFoldersAreAnErrorThatSaysHowToShareSettings() throws {
        let user = try makeExperimentsDirectory(["d.yaml": "defaults:\n  optimizer: {lr: 0.1}\n"])
        let ours = try makeExperimentsDirectory(shipped)
        XCTAssertThrowsError(try Registry.load(directories: [user, ours])) { error in
            XCTAssertEqual(
                "\(error)",
                "\(ours)/defaults.yaml:2:3: defaults: defaults already declared at \(user)/d.yaml:2:3; "
                    + "declare them once over all experiment folders (share your experiments' settings through a template "
                    + "that they extend)")
        }
    }

    func testAnUnreadableFolderIsNamed() throws {
        let ours = try makeExperimentsDirectory(shipped)
        XCTAssertThrowsError(try Registry.load(directories: ["/nonexistent-folder", ours])) { error in
            XCTAssertTrue(
                "\(error)".hasPrefix("/nonexistent-folder: cannot read the experiments directory"), "\(error)")
        }
    }

    func testASuiteNamedAsAnExperimentIsPointedToSuite() throws {
        let registry = try Registry.load(directories: [try makeExperimentsDirectory(shipped)])
        XCTAssertThrowsError(try registry.plan(experiments: ["s"])) { error in
            XCTAssertEqual(
                "\(error)", "experiment s: no experiment has this name; 's' is a suite: select it with --suite s")
        }
        XCTAssertThrowsError(try registry.plan(experiments: ["theirz"])) { error in
            XCTAssertEqual("\(error)", "experiment theirz: no experiment has this name; did you mean 'theirs'?")
        }
    }

    func testTheFoldersAreStoredInTheConfigAsProvenance() throws {
        let plain = RunSpec(
            experiment: "e", strategy: "naive", seed: 0,
            benchmark: BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 10),
            optimizer: OptimizerSpec(lr: 0.1), method: .naive, sourceFile: "my dir/e.yaml")
        var spec = plain
        spec.experimentFolders = ["my dir", "q\"uote"]
        let lines = spec.canonicalYAML.split(separator: "\n")
        XCTAssertEqual(lines[5...6], [#"source_file: "my dir/e.yaml""#, #"experiment_folders: ["my dir", "q\"uote"]"#])
        XCTAssertEqual(spec.flattenedConfig["experiment_folders"], #"["my dir", "q\"uote"]"#)
        XCTAssertEqual(try RunSpec(canonicalYAML: spec.canonicalYAML), spec)
        // without folders the config reads as before the key existed
        XCTAssertFalse(plain.canonicalYAML.contains("experiment_folders"))
        XCTAssertEqual(try RunSpec(canonicalYAML: plain.canonicalYAML).experimentFolders, [])
        // provenance: a run planned with other folders (or none) resumes the stored one
        XCTAssertEqual(resumeDecision(for: plain, existingConfigYAML: spec.canonicalYAML), .skipComplete)
        XCTAssertEqual(resumeDecision(for: spec, existingConfigYAML: plain.canonicalYAML), .skipComplete)
    }
}
