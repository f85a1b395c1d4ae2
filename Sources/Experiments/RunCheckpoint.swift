import BuildStamp
import Foundation
import Learning
import Storage
import Strategies

// A run's checkpoint as the runner writes and checks it: the trainer's state and, as root
// attributes, what it belongs to (run, canonical config, code version) and where it was taken.

extension Runner {
    /// What a checkpoint must have been written by to be resumed: the version and the git
    /// commit the binary was built from, and for code with local changes ("-dirty") the
    /// SHA-256 of its `git diff HEAD` at build time, so that only the same edits resume it
    /// ("unknown" outside a checkout: such checkpoints resume only under the same version).
    public static let codeVersion: String =
        "\(gembenchVersion) \(gitCommit)" + (BuildInfo.diffSHA256.isEmpty ? "" : " diff-sha256:" + BuildInfo.diffSHA256)

    /// The checkpoint file of `spec` in the output folder.
    public func checkpointURL(for spec: RunSpec) -> URL {
        CheckpointFile.url(forRunFile: outputDirectory.appendingPathComponent(spec.outputFileName))
    }

    /// Why the checkpoint of `spec` cannot be resumed (unreadable, another config or code
    /// version), one line per reason; empty when it can, or when there is none.
    public func checkpointProblems(for spec: RunSpec) -> [String] {
        let url = checkpointURL(for: spec)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let attributes: [String: String]
        do { attributes = try CheckpointFile.readAttributes(url) } catch { return ["\(error)"] }
        guard let yaml = attributes["config_yaml"] else { return ["no config_yaml attribute"] }
        var problems: [String] = []
        do {
            problems += configDifferences(
                stored: try RunSpec(canonicalYAML: yaml, source: url.lastPathComponent), planned: spec)
        } catch {
            problems.append("stored config unreadable: \(error)")
        }
        let stored = attributes["code_version"] ?? "(absent)"
        if stored != Self.codeVersion { problems.append("code_version: stored \(stored), now \(Self.codeVersion)") }
        return problems
    }

    /// Writes `checkpoint` of `spec`, with `seconds` of the run's wall time so far.
    func write(_ checkpoint: TrainingCheckpoint, of spec: RunSpec, totalSeconds seconds: Double) throws {
        let position = checkpoint.position
        let attributes = [
            "run_id": spec.runID, "config_yaml": spec.canonicalYAML,
            "code_version": Self.codeVersion, "gembench_version": gembenchVersion, "git_commit": Self.gitCommit,
            "task": String(position.experience + 1), "tasks": String(checkpoint.experiences),
            "step": String(position.stepsInExperience), "total_seconds": String(seconds),
        ]
        let state = checkpoint.state
        try CheckpointFile.write(
            CheckpointContent(
                attributes: attributes, floats: state.floats, doubles: state.doubles,
                integers: state.integers), to: checkpointURL(for: spec))
    }

    /// The state and wall time so far of the checkpoint of `spec`, or nil when there is none.
    func readCheckpoint(of spec: RunSpec) throws -> (
        state: SavedState, totalSeconds: Double, position: CheckpointPosition
    )? {
        let url = checkpointURL(for: spec)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let content = try CheckpointFile.read(url)
        guard let position = CheckpointPosition(content.attributes) else {
            throw CheckpointFileError(path: url.path, reason: "no readable task, tasks and step attributes")
        }
        let state = SavedState(floats: content.floats, doubles: content.doubles, integers: content.integers)
        return (state, Double(content.attributes["total_seconds"] ?? "") ?? 0, position)
    }
}

/// Where a checkpoint was taken, as its attributes say: in task `task` of `tasks` (from 1),
/// after `step` of its minibatches.
public struct CheckpointPosition: Sendable, Equatable, CustomStringConvertible {
    public let task: Int
    public let tasks: Int
    public let step: Int

    public init?(_ attributes: [String: String]) {
        guard let task = attributes["task"].flatMap({ Int($0) }), let tasks = attributes["tasks"].flatMap({ Int($0) }),
            let step = attributes["step"].flatMap({ Int($0) })
        else { return nil }
        (self.task, self.tasks, self.step) = (task, tasks, step)
    }

    public var description: String { "task \(task) of \(tasks), step \(step)" }
}

extension CheckpointPosition {
    init(task: Int, tasks: Int, step: Int) {
        self.init(["task": String(task), "tasks": String(tasks), "step": String(step)])!
    }
}
