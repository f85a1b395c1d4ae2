import Foundation
import Metrics

/// The mapping between `RunRecord` and the paths of a run file (schema_version 1).
/// Keep docs/hdf5-layout.md in step with this file.
enum RunEncoding {
    static let checksumPrefix = "sha256:"

    // MARK: Writing

    /// `content` `.summary` leaves out what `RunRecord.summarized()` empties: `/train/loss`,
    /// `/train/diagnostics`, `/model` and `/memory`; root attribute `content` says "summary".
    static func encode(_ record: RunRecord, into file: HDF5File, content: RunFile.Content = .run) throws {
        let path = file.url.path
        func invalid(_ reason: String) -> RunFileError { .invalidRecord(path: path, reason: reason) }

        // Root: identity.
        try file.setAttribute("schema_version", .int(RunFile.schemaVersion))
        try file.setAttribute("gembench_version", .string(record.gembenchVersion))
        try file.setAttribute("git_commit", .string(record.gitCommit))
        try file.setAttribute("machine", .string(record.machine))
        try file.setAttribute("blas_threads", .int(Int64(record.blasThreads)))
        try file.setAttribute("kernel_path", .string(record.kernelPath))
        try file.setAttribute("kernels_version", .int(Int64(record.kernelsVersion)))
        try file.setAttribute("experiment", .string(record.experiment))
        try file.setAttribute("strategy", .string(record.strategy))
        try file.setAttribute("seed", .int(Int64(record.seed)))
        try file.setAttribute("benchmark", .string(record.benchmark))
        try file.setAttribute("created", .string(record.created))
        try file.setAttribute("config", .string(record.configYAML))
        if content == .summary { try file.setAttribute("content", .string(RunFile.Content.summary.rawValue)) }
        for (name, sha) in record.datasetChecksums.sorted(by: { $0.key < $1.key }) {
            try file.setAttribute(checksumPrefix + name, .string(sha))
        }
        try file.createGroup("/config")
        for (key, value) in record.configAttributes.sorted(by: { $0.key < $1.key }) {
            try file.setAttribute(key, .string(value), on: "/config")
        }

        // Metrics.
        let matrix = record.accuracyMatrix
        let taskCount = record.randomInitAccuracy.count
        guard taskCount >= 1 else { throw invalid("random_init_accuracy is empty (need one entry per task)") }
        guard !matrix.isEmpty, matrix.allSatisfy({ $0.count == taskCount }) else {
            throw invalid("accuracy_matrix must have rows of \(taskCount) entries (one per task)")
        }
        try file.write(matrix.flatMap { $0 }, shape: [matrix.count, taskCount], to: "/metrics/accuracy_matrix")
        try file.write(record.randomInitAccuracy, shape: [taskCount], to: "/metrics/random_init_accuracy")
        let metrics = record.metrics.withoutNaN
        let (bwt, fwt) = (metrics.bwt, metrics.fwt)
        try file.setAttribute("acc", .double(metrics.acc), on: "/metrics")
        try file.setAttribute("bwt", .double(bwt ?? .nan), on: "/metrics")
        try file.setAttribute("fwt", .double(fwt ?? .nan), on: "/metrics")
        var undefined = [bwt == nil ? "bwt" : nil, fwt == nil ? "fwt" : nil].compactMap { $0 }
        for (name, value) in [
            ("forgetting", metrics.forgetting), ("bwt_over_all_tasks", metrics.bwtOverAllTasks),
            ("fwt_over_all_tasks", metrics.fwtOverAllTasks),
        ] {
            try file.setAttribute(name, .double(value ?? .nan), on: "/metrics")
            if value == nil { undefined.append(name) }
        }
        try file.setAttribute("undefined", .string(undefined.joined(separator: ",")), on: "/metrics")
        if !record.curve.isEmpty {
            guard record.curve.allSatisfy({ $0.count == taskCount }), record.curveStep.count == record.curve.count
            else {
                throw invalid("curve must have rows of \(taskCount) entries and one curve_step per row")
            }
            try file.write(record.curve.flatMap { $0 }, shape: [record.curve.count, taskCount], to: "/metrics/curve")
            try file.write(record.curveStep.map(Int64.init), shape: [record.curveStep.count], to: "/metrics/curve_step")
        }
        if !record.earlyAccuracy.isEmpty {
            // rows padded with NaN to the longest (a task with fewer minibatches than β)
            let width = record.earlyAccuracy.map(\.count).max()!
            let padded = record.earlyAccuracy.flatMap { $0 + [Double](repeating: .nan, count: width - $0.count) }
            try file.write(padded, shape: [record.earlyAccuracy.count, width], to: "/metrics/early_accuracy")
        }
        if let lca = metrics.lca { try file.setAttribute("lca", .double(lca), on: "/metrics") }

        // Tasks.
        try file.createGroup("/tasks")
        try file.setAttribute("scenario", .string(record.tasks.scenario), on: "/tasks")
        try file.setAttribute("count", .int(Int64(record.tasks.tasks.count)), on: "/tasks")
        for (index, task) in record.tasks.tasks.enumerated() {
            let group = "/tasks/" + taskGroupName(index)
            try file.createGroup(group)
            if let permutation = task.permutation {
                try file.write(permutation, shape: [permutation.count], to: group + "/permutation")
            }
            if let angle = task.angle { try file.setAttribute("angle", .double(angle), on: group) }
            if let classes = task.classes {
                try file.write(classes, shape: [classes.count], to: group + "/classes")
            }
        }

        // Training curves and timings.
        let steps = record.stepLoss.count
        guard content == .summary || record.stepTask.count == steps else {
            throw invalid("step_task has \(record.stepTask.count) entries, step_loss \(steps)")
        }
        if content == .summary {
            try file.write(record.stepTask, shape: [record.stepTask.count], to: "/train/task")
        } else {
            try file.write(record.stepLoss, shape: [steps], to: "/train/loss")
            try file.write(record.stepTask, shape: [steps], to: "/train/task")
            try file.createGroup("/train/diagnostics")
        }
        for (name, values) in record.diagnostics.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, !name.contains("/"), name != "." else {
                throw invalid("bad diagnostic name '\(name)'")
            }
            guard values.count == steps else {
                throw invalid("diagnostic '\(name)' has \(values.count) entries, step_loss \(steps)")
            }
            try file.write(values, shape: [steps], to: "/train/diagnostics/" + name)
        }
        try file.write(record.taskTrainSeconds, shape: [record.taskTrainSeconds.count], to: "/train/task_train_seconds")
        try file.write(record.taskEvalSeconds, shape: [record.taskEvalSeconds.count], to: "/train/task_eval_seconds")
        try file.setAttribute("total_seconds", .double(record.totalSeconds), on: "/train")
        if let peak = record.peakRSSBytes {
            try file.setAttribute("peak_rss_bytes", .int(Int64(peak)), on: "/train")
            try file.setAttribute("peak_rss_scope", .string(record.peakRSSScope ?? "process"), on: "/train")
        }

        if content == .summary { return }

        // Model.
        for entry in record.layerLayout {
            guard entry.offset >= 0, entry.count == entry.shape.reduce(1, *),
                entry.offset + entry.count <= record.parameters.count
            else {
                throw invalid(
                    "layer '\(entry.name)' (offset \(entry.offset), shape \(entry.shape)) "
                        + "does not fit \(record.parameters.count) parameters")
            }
        }
        try file.write(record.parameters, shape: [record.parameters.count], to: "/model/parameters")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let layout = String(decoding: try encoder.encode(record.layerLayout), as: UTF8.self)
        try file.setAttribute("layout", .string(layout), on: "/model/parameters")
        if !record.layerState.isEmpty {
            for entry in record.stateLayout
            where entry.offset < 0 || entry.count != entry.shape.reduce(1, *)
                || entry.offset + entry.count > record.layerState.count
            {
                throw invalid(
                    "state '\(entry.name)' (offset \(entry.offset), shape \(entry.shape)) "
                        + "does not fit \(record.layerState.count) state values")
            }
            try file.write(record.layerState, shape: [record.layerState.count], to: "/model/state")
            let stateLayout = String(decoding: try encoder.encode(record.stateLayout), as: UTF8.self)
            try file.setAttribute("layout", .string(stateLayout), on: "/model/state")
        }

        // Episodic memory.
        if let memory = record.memory {
            let n = memory.labels.count
            let d = memory.featureCount
            guard d >= 0, memory.inputs.count == n * d, memory.tasks.count == n else {
                throw invalid(
                    "memory: \(memory.inputs.count) inputs, \(n) labels, \(memory.tasks.count) task ids "
                        + "and \(d) features do not agree")
            }
            try file.write(memory.inputs, shape: [n, d], to: "/memory/inputs")
            try file.write(memory.labels, shape: [n], to: "/memory/labels")
            try file.write(memory.tasks, shape: [n], to: "/memory/tasks")
        }
    }

    static func taskGroupName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    // MARK: Reading

    /// A summary's record has no per-step losses, diagnostics, parameters or memory.
    static func decode(_ file: HDF5File, content: RunFile.Content) throws -> RunRecord {
        let path = file.url.path
        var record = RunRecord(
            experiment: try file.stringAttribute("experiment"),
            strategy: try file.stringAttribute("strategy"),
            seed: Int(try file.intAttribute("seed")),
            benchmark: try file.stringAttribute("benchmark"))
        record.gembenchVersion = try file.stringAttribute("gembench_version")
        record.gitCommit = try file.stringAttribute("git_commit")
        record.machine = try machine(file)
        record.blasThreads = file.hasAttribute("blas_threads") ? Int(try file.intAttribute("blas_threads")) : 0
        record.kernelPath = file.hasAttribute("kernel_path") ? try file.stringAttribute("kernel_path") : "unknown"
        record.kernelsVersion = file.hasAttribute("kernels_version") ? Int(try file.intAttribute("kernels_version")) : 0
        record.created = try file.stringAttribute("created")
        record.configYAML = try file.stringAttribute("config")
        var checksums: [String: String] = [:]
        for name in try file.attributeNames() where name.hasPrefix(checksumPrefix) {
            checksums[String(name.dropFirst(checksumPrefix.count))] = try file.stringAttribute(name)
        }
        record.datasetChecksums = checksums
        var config: [String: String] = [:]
        for key in try file.attributeNames(on: "/config") {
            config[key] = try file.stringAttribute(key, on: "/config")
        }
        record.configAttributes = config

        let metrics = try readMetrics(file)
        record.accuracyMatrix = metrics.matrix
        record.randomInitAccuracy = metrics.b
        record.metrics = metrics.stored
        (record.curve, record.curveStep) = try readCurve(file, tasks: metrics.b.count)
        if file.exists("/metrics/early_accuracy") {
            let early = try file.read("/metrics/early_accuracy", as: Double.self)
            guard early.shape.count == 2 else {
                throw RunFileError.notARunFile(
                    path: path, reason: "/metrics/early_accuracy has shape \(early.shape), expected (T, β+1)")
            }
            let w = early.shape[1]
            record.earlyAccuracy = (0..<early.shape[0]).map {
                Array(early.values[($0 * w)..<(($0 + 1) * w)]).filter { !$0.isNaN }
            }
        }

        var tasks: [TaskDefinition] = []
        let taskCount = Int(try file.intAttribute("count", on: "/tasks"))
        for index in 0..<max(0, taskCount) {
            let group = "/tasks/" + taskGroupName(index)
            guard file.kind(of: group) == .group else {
                throw RunFileError.notARunFile(path: path, reason: "\(group) missing (/tasks@count = \(taskCount))")
            }
            var task = TaskDefinition()
            if file.exists(group + "/permutation") {
                task.permutation = try file.read(group + "/permutation", as: Int32.self).values
            }
            if file.hasAttribute("angle", on: group) { task.angle = try file.doubleAttribute("angle", on: group) }
            if file.exists(group + "/classes") {
                task.classes = try file.read(group + "/classes", as: Int32.self).values
            }
            tasks.append(task)
        }
        record.tasks = TaskDefinitions(scenario: try file.stringAttribute("scenario", on: "/tasks"), tasks: tasks)

        record.stepTask = try file.read("/train/task", as: Int32.self).values
        record.taskTrainSeconds = try file.read("/train/task_train_seconds", as: Double.self).values
        record.taskEvalSeconds = try file.read("/train/task_eval_seconds", as: Double.self).values
        record.totalSeconds = try file.doubleAttribute("total_seconds", on: "/train")
        (record.peakRSSBytes, record.peakRSSScope) = try peakRSS(file)
        if content == .summary { return record }

        record.stepLoss = try file.read("/train/loss", as: Float.self).values
        var diagnostics: [String: [Float]] = [:]
        for name in try file.memberNames(of: "/train/diagnostics") {
            // older files call GEM's binding-constraint count by the name the QP's free set was misread as
            let current = name == "gem_active_set" ? "gem_binding_constraints" : name
            diagnostics[current] = try file.read("/train/diagnostics/" + name, as: Float.self).values
        }
        record.diagnostics = diagnostics

        record.parameters = try file.read("/model/parameters", as: Float.self).values
        let layout = try file.stringAttribute("layout", on: "/model/parameters")
        do {
            record.layerLayout = try JSONDecoder().decode([LayerLayoutEntry].self, from: Data(layout.utf8))
        } catch {
            throw RunFileError.notARunFile(path: path, reason: "/model/parameters@layout is not a JSON layer list")
        }
        if file.exists("/model/state") {
            record.layerState = try file.read("/model/state", as: Float.self).values
            let stateLayout = try file.stringAttribute("layout", on: "/model/state")
            guard let decoded = try? JSONDecoder().decode([LayerLayoutEntry].self, from: Data(stateLayout.utf8)) else {
                throw RunFileError.notARunFile(path: path, reason: "/model/state@layout is not a JSON layer list")
            }
            record.stateLayout = decoded
        }

        if file.kind(of: "/memory") == .group {
            let inputs = try file.read("/memory/inputs", as: Float.self)
            guard inputs.shape.count == 2 else {
                throw RunFileError.notARunFile(
                    path: path, reason: "/memory/inputs has shape \(inputs.shape), expected N×D")
            }
            record.memory = EpisodicMemoryRecord(
                inputs: inputs.values, featureCount: inputs.shape[1],
                labels: try file.read("/memory/labels", as: Int32.self).values,
                tasks: try file.read("/memory/tasks", as: Int32.self).values)
        }
        return record
    }

    /// The optional peak RSS and its scope (nil in files written before it was stored).
    private static func peakRSS(_ file: HDF5File) throws -> (Int?, String?) {
        guard file.hasAttribute("peak_rss_bytes", on: "/train") else { return (nil, nil) }
        let scope =
            file.hasAttribute("peak_rss_scope", on: "/train")
            ? try file.stringAttribute("peak_rss_scope", on: "/train") : "process"
        return (Int(try file.intAttribute("peak_rss_bytes", on: "/train")), scope)
    }

    /// The optional `machine` attribute ("unknown" when absent).
    private static func machine(_ file: HDF5File) throws -> String {
        file.hasAttribute("machine") ? try file.stringAttribute("machine") : "unknown"
    }

    static func decodeSummary(_ file: HDF5File, fileName: String, content: RunFile.Content) throws -> RunSummary {
        let metrics = try readMetrics(file)
        var summary = RunSummary(
            fileName: fileName,
            experiment: try file.stringAttribute("experiment"),
            strategy: try file.stringAttribute("strategy"),
            seed: Int(try file.intAttribute("seed")),
            benchmark: try file.stringAttribute("benchmark"),
            scenario: try file.stringAttribute("scenario", on: "/tasks"),
            taskCount: metrics.b.count, metrics: metrics.stored,
            accuracyMatrix: metrics.matrix, randomInitAccuracy: metrics.b,
            trainSeconds: try file.read("/train/task_train_seconds", as: Double.self).values.reduce(0, +),
            evalSeconds: try file.read("/train/task_eval_seconds", as: Double.self).values.reduce(0, +),
            totalSeconds: try file.doubleAttribute("total_seconds", on: "/train"),
            gembenchVersion: try file.stringAttribute("gembench_version"),
            gitCommit: try file.stringAttribute("git_commit"),
            created: try file.stringAttribute("created"))
        summary.machine = try machine(file)
        if file.hasAttribute(RunSummary.experimentFoldersKey, on: "/config") {
            summary.experimentFolders = RunSummary.folders(
                try file.stringAttribute(RunSummary.experimentFoldersKey, on: "/config"))
        }
        (summary.peakRSSBytes, summary.peakRSSScope) = try peakRSS(file)
        (summary.curve, summary.curveStep) = try readCurve(file, tasks: metrics.b.count)
        if !summary.curve.isEmpty {
            summary.taskBoundaries = RunSummary.boundaries(try file.read("/train/task", as: Int32.self).values)
        }
        // a summary has neither: `bench summarize` refuses diverged runs
        for path in RunRecord.divergencePaths where content == .run {
            summary.firstNonFinite = firstNonFinite(try file.read(path, as: Float.self).values, at: path)
            if summary.firstNonFinite != nil { break }
        }
        return summary
    }

    /// The within-task curve (`/metrics/curve`, `/metrics/curve_step`) of a run with `eval_every`;
    /// empty when the file has none.
    private static func readCurve(_ file: HDF5File, tasks: Int) throws -> (curve: [[Double]], steps: [Int]) {
        guard file.exists("/metrics/curve") else { return ([], []) }
        let curve = try file.read("/metrics/curve", as: Double.self)
        let steps = try file.read("/metrics/curve_step", as: Int64.self)
        guard curve.shape.count == 2, curve.shape[1] == tasks, steps.shape == [curve.shape[0]] else {
            throw RunFileError.notARunFile(
                path: file.url.path,
                reason: "/metrics/curve has shape \(curve.shape), "
                    + "curve_step \(steps.shape); expected (S, \(tasks)) and (S)")
        }
        let t = curve.shape[1]
        return (
            (0..<curve.shape[0]).map { Array(curve.values[($0 * t)..<(($0 + 1) * t)]) }, steps.values.map { Int($0) }
        )
    }

    /// R, b and the stored metrics: NaN or listed in `/metrics@undefined` reads as nil, and so does
    /// an attribute an older file lacks (forgetting, BWT and FWT ÷T, LCA).
    private static func readMetrics(_ file: HDF5File) throws -> (
        matrix: [[Double]], b: [Double], stored: ContinualMetrics
    ) {
        let path = file.url.path
        let r = try file.read("/metrics/accuracy_matrix", as: Double.self)
        guard r.shape.count == 2, r.shape[0] >= 1, r.shape[1] >= 1 else {
            throw RunFileError.notARunFile(
                path: path, reason: "/metrics/accuracy_matrix has shape \(r.shape), expected rows×T")
        }
        let b = try file.read("/metrics/random_init_accuracy", as: Double.self)
        guard b.shape == [r.shape[1]] else {
            throw RunFileError.notARunFile(
                path: path,
                reason: "/metrics/random_init_accuracy has shape \(b.shape), expected [\(r.shape[1])]")
        }
        let columns = r.shape[1]
        let matrix = (0..<r.shape[0]).map { Array(r.values[($0 * columns)..<(($0 + 1) * columns)]) }
        let undefined = Set(
            (try file.stringAttribute("undefined", on: "/metrics")).split(separator: ",").map(String.init))
        func metric(_ name: String) throws -> Double? {
            let value = try file.doubleAttribute(name, on: "/metrics")
            return undefined.contains(name) || value.isNaN ? nil : value
        }
        func laterMetric(_ name: String) throws -> Double? {
            file.hasAttribute(name, on: "/metrics") ? try metric(name) : nil
        }
        let stored = ContinualMetrics(
            acc: try file.doubleAttribute("acc", on: "/metrics"), bwt: try metric("bwt"), fwt: try metric("fwt"),
            forgetting: try laterMetric("forgetting"), bwtOverAllTasks: try laterMetric("bwt_over_all_tasks"),
            fwtOverAllTasks: try laterMetric("fwt_over_all_tasks"), lca: try laterMetric("lca"))
        return (matrix, b.values, stored)
    }
}
