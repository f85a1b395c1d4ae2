// What a run will cost before it starts: floating-point operations of its training steps and
// evaluations, and CPU-hours at this machine's measured rate. `--dry-run` shows it and
// `bench slurm` sizes each array element's time limit from it.

import Data
import Foundation
import Learning
import Strategies

/// Floating-point operations of one run, by phase, and the CPU time they take on one core.
public struct CostEstimate: Sendable, Equatable {
    /// The minibatches: steps × batch × (forward + backward per row).
    public let trainingFLOPs: Double
    /// The method's work per step beside the minibatch (memories, reference and replay batches).
    public let methodFLOPs: Double
    /// Evaluation: (tasks + 1) × tasks × test rows per task × forward per row (an MLP's first
    /// layer over the non-zero inputs, as the evaluator computes it; the method's own networks'
    /// when it predicts with others, `StrategyDefinition.evaluationFLOPsPerRow`).
    public let evaluationFLOPs: Double
    /// One core's rates for minibatch-sized products and for the large ones (see `Rates`).
    public let rates: Rates

    public var totalFLOPs: Double { trainingFLOPs + methodFLOPs + evaluationFLOPs }
    /// CPU seconds of one core.
    public var seconds: Double { trainingFLOPs / rates.minibatch + (methodFLOPs + evaluationFLOPs) / rates.bulk }

    /// E.g. `1.8 TFLOP ~12 min`.
    public var description: String { "\(formatFLOPs(totalFLOPs)) ~\(formatDuration(seconds))" }

    /// FLOP/s of one core: products of minibatch rows (batch 10: small, slow) and products of
    /// hundreds of rows (memories, evaluation blocks). Measured from the run files' training
    /// and evaluation seconds under Results/ (release build, one thread per run, two runs at a
    /// time on the project's 2-core machine beside other work) and rounded down, so the
    /// estimate errs long, as a time limit should; docs/cluster.md has the figures.
    public struct Rates: Sendable, Equatable {
        public let minibatch: Double
        public let bulk: Double

        public init(minibatch: Double, bulk: Double) { (self.minibatch, self.bulk) = (minibatch, bulk) }

        public static func of(_ model: ModelSpec) -> Rates {
            model.isMLP ? Rates(minibatch: 12e9, bulk: 18e9) : Rates(minibatch: 18e9, bulk: 18e9)
        }
    }

    /// The fraction of non-zero pixels in a dataset's images (`DatasetDefinition.inputDensity`).
    public static func inputDensity(_ dataset: DatasetName) -> Double { dataset.definition.inputDensity }
}

/// `1.8 TFLOP`, `420 GFLOP`, `12 MFLOP`.
public func formatFLOPs(_ flops: Double) -> String {
    let units: [(Double, String)] = [(1e18, "EFLOP"), (1e15, "PFLOP"), (1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP")]
    for (scale, unit) in units where flops >= scale {
        let value = flops / scale
        return (value < 10 ? String(format: "%.1f", value) : String(format: "%.0f", value)) + " " + unit
    }
    return String(format: "%.0f FLOP", flops)
}

/// `<1 min`, `12 min`, `1.5 h`, `14 h`: minutes below an hour (planning a few runs), hours
/// above (what a cluster's time limit and budget count in).
public func formatDuration(_ seconds: Double) -> String {
    let minutes = seconds / 60
    if minutes < 1 { return "<1 min" }
    if minutes < 59.5 { return String(format: "%.0f min", minutes) }
    let hours = seconds / 3600
    return hours < 10 ? String(format: "%.1f h", hours) : String(format: "%.0f h", hours)
}

extension RunSpec {
    /// The floating-point operations of this run (products only: activations, losses and the
    /// method's own vector work add little) and its CPU time at the measured rates.
    public var estimatedCost: CostEstimate {
        let b = benchmark
        let tasks = Double(b.tasks)
        let train = Double(b.samplesPerTask ?? b.trainSamplesAvailable)
        let test = Double(b.testSamplesPerTask ?? b.testSamplesAvailable)
        let steps = tasks * (train / Double(optimizer.batchSize)).rounded(.up) * Double(optimizer.epochs)
        let row = flopsPerRow
        let extra = method.definition.extraFLOPsPerStep(method.values, in: strategyContext, row: row)
        let evaluation = method.definition.evaluationFLOPsPerRow(method.values, in: strategyContext, row: row)
        return CostEstimate(
            trainingFLOPs: steps * Double(optimizer.batchSize) * row.full,
            methodFLOPs: steps * extra,
            evaluationFLOPs: (tasks + 1) * tasks * test * evaluation,
            rates: .of(model))
    }

    /// Forward and backward FLOPs of one input row through the network that row meets: for the
    /// methods that give each task its own network or input layer, one task's share.
    var flopsPerRow: RowFLOPs {
        let d = benchmark.dataset
        let tasks = benchmark.tasks
        let variant = method.definition.modelVariant(method.values)
        guard let hidden = model.hiddenWidths else {
            // any other model: the products of its built network
            let flops = model.productFLOPsPerImage(
                inputShape: d.imageShape, classes: d.classCount, tasks: tasks,
                variant: variant)
            return RowFLOPs(forward: Double(flops.forward), backward: Double(flops.backward))
        }
        var parameters: Double
        switch variant {
        case .standard: parameters = model.parameterCount(inputShape: d.imageShape, classes: d.classCount, tasks: tasks)
        case .hiddenDividedAmongTasks:  // one of `tasks` equal small networks
            parameters =
                model.parameterCount(
                    inputShape: d.imageShape, classes: d.classCount, tasks: tasks,
                    variant: variant) / Double(tasks)
        case .taskRoutedInput:  // one task's input layer and the shared layers: the standard network's size
            parameters = model.parameterCount(inputShape: d.imageShape, classes: d.classCount, tasks: tasks)
        }
        let inputs = Double(d.imageShape.reduce(1, *))
        let firstWidth = Double(
            hidden.first.map { variant == .hiddenDividedAmongTasks ? max(1, $0 / tasks) : $0 }
                ?? d.classCount)
        return RowFLOPs(
            forward: 2 * parameters, backward: 4 * parameters,
            firstLayerForward: 2 * (inputs + 1) * firstWidth, inputDensity: CostEstimate.inputDensity(d))
    }
}
