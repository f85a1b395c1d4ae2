// What a run will cost before it starts: floating-point operations of its training steps and
// evaluations, and CPU-hours at this machine's measured rate. `--dry-run` shows it and
// `bench slurm` sizes each array element's time limit from it.

import Foundation
import Learning
import Strategies

/// Floating-point operations of one run, by phase, and the CPU time they take at `flopsPerSecond`.
public struct CostEstimate: Sendable, Equatable {
    /// Training: steps × rows per step (minibatch + the method's extra rows) × (forward + backward per row).
    public let trainingFLOPs: Double
    /// Evaluation: (tasks + 1) × tasks × test rows per task × forward per row.
    public let evaluationFLOPs: Double
    /// The rate achieved by one core on this kind of model (see `achievedFLOPsPerSecond`).
    public let flopsPerSecond: Double

    public var totalFLOPs: Double { trainingFLOPs + evaluationFLOPs }
    /// CPU seconds of one core at `flopsPerSecond`.
    public var seconds: Double { totalFLOPs / flopsPerSecond }

    /// E.g. `1.8 TFLOP ~0.2 h`.
    public var description: String { "\(formatFLOPs(totalFLOPs)) ~\(formatHours(seconds))" }

    /// FLOP/s of a whole run on one core (estimated FLOPs over wall-clock seconds, loading
    /// and evaluation included), measured with a release build on the project's 2-core AMD EPYC
    /// while it was shared (load 10) and rounded down: permuted-mnist/naive 763 GFLOP in 88 s,
    /// split-fashion-conv/naive 6.7 TFLOP in 361 s. docs/cluster.md has the commands.
    public static func achievedFLOPsPerSecond(_ model: ModelSpec) -> Double {
        model.isMLP ? 8e9 : 18e9
    }
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

/// `0.2 h`, `14 h`; hours because that is what a cluster's time limit and budget count in.
public func formatHours(_ seconds: Double) -> String {
    let hours = seconds / 3600
    if hours < 0.05 { return "<0.1 h" }
    return hours < 10 ? String(format: "%.1f h", hours) : String(format: "%.0f h", hours)
}

extension RunSpec {
    /// The floating-point operations of this run (products only: activations, losses and the
    /// method's own vector work add little) and its CPU time at the measured rate.
    public var estimatedCost: CostEstimate {
        let b = benchmark
        let tasks = Double(b.tasks)
        let train = Double(b.samplesPerTask ?? b.trainSamplesAvailable)
        let test = Double(b.testSamplesPerTask ?? b.testSamplesAvailable)
        let steps = tasks * (train / Double(optimizer.batchSize)).rounded(.up) * Double(optimizer.epochs)
        let rowsPerStep = Double(optimizer.batchSize)
            + method.definition.extraRowsPerStep(method.values, in: strategyContext)
        let perRow = flopsPerRow
        return CostEstimate(trainingFLOPs: steps * rowsPerStep * (perRow.forward + perRow.backward),
                            evaluationFLOPs: (tasks + 1) * tasks * test * perRow.forward,
                            flopsPerSecond: CostEstimate.achievedFLOPsPerSecond(model))
    }

    /// Forward and backward FLOPs of one input row through the network that row meets: for the
    /// methods that give each task its own network or input layer, one task's share.
    var flopsPerRow: (forward: Double, backward: Double) {
        let d = benchmark.dataset, tasks = benchmark.tasks
        let variant = method.definition.modelVariant(method.values)
        switch model {
        case .mlp:
            var parameters: Double
            switch variant {
            case .standard: parameters = model.parameterCount(inputShape: d.imageShape, classes: d.classCount, tasks: tasks)
            case .hiddenDividedAmongTasks:  // one of `tasks` equal small networks
                parameters = model.parameterCount(inputShape: d.imageShape, classes: d.classCount, tasks: tasks,
                                                  variant: variant) / Double(tasks)
            case .taskRoutedInput:  // one task's input layer and the shared layers: the standard network's size
                parameters = model.parameterCount(inputShape: d.imageShape, classes: d.classCount, tasks: tasks)
            }
            return (2 * parameters, 4 * parameters)
        case let .resnet18(width):
            let nf = variant == .hiddenDividedAmongTasks ? max(1, width / tasks) : width
            let flops = ResNetFLOPs.perImage(nf: nf, inputShape: d.imageShape, classes: d.classCount)
            return (Double(flops.forward), Double(flops.backward))
        }
    }
}

/// `Network.productFLOPsPerImage` of reduced ResNet18s, each built once per shape: a plan of
/// hundreds of runs asks for a handful of shapes.
enum ResNetFLOPs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [[Int]: (forward: Int, backward: Int)] = [:]

    static func perImage(nf: Int, inputShape: [Int], classes: Int) -> (forward: Int, backward: Int) {
        let image = inputShape.count == 3 ? inputShape : [1, 1, inputShape.reduce(1, *)]
        let key = [nf, classes] + image
        lock.lock()
        defer { lock.unlock() }
        if let known = cache[key] { return known }
        var rng = RandomStream(seed: 0, purpose: "cost estimate")
        // the shape was checked when the run was resolved (ModelSpec.problem(withInput:))
        guard let network = try? Network.reducedResNet18(channels: image[0], height: image[1], width: image[2],
                                                         classes: classes, nf: nf, rng: &rng)
        else { return (0, 0) }
        cache[key] = network.productFLOPsPerImage
        return cache[key]!
    }
}
