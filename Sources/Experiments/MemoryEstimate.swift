// What a run will need before it starts: memory, checked at validation so that a size the
// machine cannot hold is refused with the field to blame, not met by an allocation failure
// (or an overflow) hours into a suite.

import Foundation
import Learning
import Strategies

/// Bytes a run needs at its peak, by part. Floating point throughout, so absurd sizes give a
/// large number instead of an overflow.
public struct MemoryEstimate: Sendable, Equatable {
    /// (part, the fields it follows from, bytes), largest part first in `description`.
    public let parts: [(name: String, fields: String, bytes: Double)]

    public static func == (a: MemoryEstimate, b: MemoryEstimate) -> Bool {
        a.parts.map(\.bytes) == b.parts.map(\.bytes) && a.parts.map(\.name) == b.parts.map(\.name)
    }

    public var total: Double { parts.reduce(0) { $0 + $1.bytes } }

    /// E.g. `about 318.4 GB (model 313.6 GB from model.hidden; task stream 4.6 GB from ...)`.
    public var description: String {
        let shown = parts.filter { $0.bytes >= 0.05e9 }.sorted { $0.bytes > $1.bytes }
            .map { "\($0.name) \(gigabytes($0.bytes)) from \($0.fields)" }
        return "about \(gigabytes(total))" + (shown.isEmpty ? "" : " (" + shown.joined(separator: "; ") + ")")
    }
}

func gigabytes(_ bytes: Double) -> String {
    bytes.isFinite && bytes < 1e18 ? String(format: "%.1f GB", bytes / 1e9) : "more than 10^9 GB"
}

extension RunSpec {
    /// The peak memory of this run: the dataset, the task stream, the model with its gradients
    /// and activations, what the method keeps, and the per-step log.
    public var memoryEstimate: MemoryEstimate {
        let b = benchmark
        let d = b.dataset
        let width = Double(d.imageShape.reduce(1, *))
        let classes = d.classCount
        let tasks = Double(b.tasks)
        let train = Double(b.samplesPerTask ?? b.trainSamplesAvailable)
        let test = Double(b.testSamplesPerTask ?? b.testSamplesAvailable)
        let definition = method.definition
        let values = method.values
        let context = strategyContext
        let parameters = model.parameterCount(
            inputShape: d.imageShape, classes: classes, tasks: b.tasks,
            variant: definition.modelVariant(values))
        let images = Double(d.trainImagesPerClass.reduce(0, +) + d.testImagesPerClass.reduce(0, +))
        let stored = definition.storedRows(values, in: context)
        // rows in one training pass: an MLP's GEM passes every memory at once, a batch-norm model one task's
        let memoryPass = model.isMLP ? stored : min(stored / tasks, definition.extraRowsPerStep(values, in: context))
        let trainingRows = max(
            Double(optimizer.batchSize) + definition.extraRowsPerStep(values, in: context) * (model.isMLP ? 1 : 0),
            memoryPass)
        let batches = (train / Double(optimizer.batchSize)).rounded(.up)
        let steps = tasks * batches * Double(optimizer.epochs)
        return MemoryEstimate(parts: [
            ("dataset", "benchmark.dataset", images * (width + 1)),
            (
                "task stream", "benchmark.tasks, samples_per_task, test_samples_per_task",
                4 * tasks * (train + test) * width
            ),
            ("model", "model", 4 * parameters * (3 + definition.parameterCopies(values, in: context))),
            (
                "activations", "optimizer.batch_size and the method's rows",
                4 * trainingRows * model.activationsPerRow(inputWidth: Int(width), classes: classes, training: true)
                    + 4 * Double(model.evaluationBatch)
                    * model.activationsPerRow(inputWidth: Int(width), classes: classes, training: false)
            ),
            ("method's memory", "the method's memory sizes", 4 * stored * width),
            ("step log", "optimizer.epochs, batch_size, benchmark.tasks", 24 * steps),
        ])
    }
}

/// The memory a run may use: the machine's physical memory.
let machineMemory = Double(ProcessInfo.processInfo.physicalMemory)
