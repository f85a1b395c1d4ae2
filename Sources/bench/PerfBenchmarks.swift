import Benchmarks
import Dispatch
import Foundation
import Learning
import Strategies

/// The measurements behind `bench perf`, all in one process so that they can be compared
/// as ratios: this machine is shared, and absolute timings swing between runs.
enum PerfBenchmarks {
    /// min and median seconds of `repeats` calls of `body`.
    static func time(repeats: Int, _ body: () -> Void) -> (min: Double, median: Double) {
        var samples: [Double] = []
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now()
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        samples.sort()
        return (samples[0], samples[samples.count / 2])
    }

    /// One matrix product C (m×n) = op(A) op(B) with inner size k.
    struct Shape: CustomStringConvertible {
        var name: String, m: Int, n: Int, k: Int, transA = false, transB = false
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        var description: String { "\(name) \(m)x\(n)x\(k)" }
    }

    /// The products of a GEM step on the 784-100-100-10 MLP with `past` tasks of 256 memories.
    static func gemShapes(past: Int) -> [Shape] {
        let rows = 256 * past
        return [
            Shape(name: "batch forward   ", m: 10, n: 100, k: 784, transB: true),
            Shape(name: "batch dW1       ", m: 100, n: 784, k: 10, transA: true),
            Shape(name: "memory forward  ", m: rows, n: 100, k: 784, transB: true),
            Shape(name: "task dW1        ", m: 100, n: 784, k: 256, transA: true),
            Shape(name: "memory x batch  ", m: rows, n: 10, k: 784, transB: true),
        ]
    }

    /// Best-of-`repeats` GFLOP/s at `shape`: the project's kernels (`threads` nil: one thread,
    /// as runs compute) or OpenBLAS's sgemm on `threads` threads, the yardstick.
    static func gemmGFLOPs(_ shape: Shape, openBLASThreads threads: Int?, repeats: Int) -> Double {
        let rowsA = shape.transA ? shape.k : shape.m
        let colsA = shape.transA ? shape.m : shape.k
        let rowsB = shape.transB ? shape.n : shape.k
        let colsB = shape.transB ? shape.k : shape.n
        var rng = RandomStream(seed: 1, purpose: "perf/sgemm")
        let a = FloatBuffer((0..<(rowsA * colsA)).map { _ in rng.unitFloat() })
        let b = FloatBuffer((0..<(rowsB * colsB)).map { _ in rng.unitFloat() })
        let c = FloatBuffer(count: shape.m * shape.n)
        // enough calls per sample that one sample takes ~20 ms
        let calls = max(1, Int(4e9 / max(shape.flops, 1) / 100))
        if let threads { OpenBLAS.setThreads(threads) }
        let t = time(repeats: repeats) {
            for _ in 0..<calls {
                if threads == nil {
                    Kernels.gemm(
                        transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                        a: a.pointer, lda: colsA, b: b.pointer, ldb: colsB, c: c.pointer, ldc: shape.n)
                } else {
                    OpenBLAS.gemm(
                        transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                        a: a.pointer, lda: colsA, b: b.pointer, ldb: colsB, c: c.pointer, ldc: shape.n)
                }
            }
        }
        return shape.flops * Double(calls) / t.min / 1e9
    }

    /// One line of products: ours, then OpenBLAS on one and on `threads` threads (GFLOP/s).
    static func gemmLine(_ shape: Shape, threads: Int, repeats: Int) -> String {
        let ours = gemmGFLOPs(shape, openBLASThreads: nil, repeats: max(repeats, 3))
        let one = gemmGFLOPs(shape, openBLASThreads: 1, repeats: max(repeats, 3))
        let many = gemmGFLOPs(shape, openBLASThreads: threads, repeats: max(repeats, 3))
        return String(format: "%7.1f  %7.1f  %7.1f   ours/OpenBLAS(1) %.2f", ours, one, many, ours / one)
    }

    /// The strategies whose training speed `bench perf` reports. `gem` is the config default
    /// (incremental reference gradients, sparse first layer); `gem-direct-sparse` recomputes every
    /// step with the sparse first layer; `gem-direct` is the textbook computation (dense products).
    enum Strategy: String, CaseIterable {
        case naive, replay, agem, gem
        case gemDirectSparse = "gem-direct-sparse"
        case gemDirect = "gem-direct"

        /// GEM's reference-gradient computation, for the GEM variants.
        var gemComputation: (GEMPlugin.ReferenceGradientMode, sparse: Bool)? {
            switch self {
            case .gem: return (.incremental, true)
            case .gemDirectSparse: return (.direct, true)
            case .gemDirect: return (.direct, false)
            default: return nil
            }
        }
    }

    /// Plugins of `strategy` with the permuted-MNIST experiment's settings (GEM: the paper's).
    static func plugins(_ strategy: Strategy, stream: TaskStream) -> [Plugin] {
        switch strategy {
        case .naive: return []
        case .replay: return [ReplayPlugin(memorySize: 5120)]
        case .agem: return [AGEMPlugin(patternsPerExperience: 256, sampleSize: 256, inputWidth: stream.inputWidth)]
        case .gem, .gemDirectSparse, .gemDirect:
            let (mode, sparse) = strategy.gemComputation!
            return [
                GEMPlugin(
                    patternsPerExperience: 256, memoryStrength: 0.5, memorySelection: .recent,
                    inputWidth: stream.inputWidth, seed: 0, referenceGradients: mode, sparseFirstLayer: sparse)
            ]
        }
    }

    static func trainer(_ plugins: [Plugin], stream: TaskStream, threads: Int) -> Trainer {
        var rng = RandomStream(seed: 0, purpose: "init")
        let network = Network.mlp([stream.inputWidth, 100, 100, stream.classCount], rng: &rng)
        let settings = TrainingSettings(learningRate: 0.1, batchSize: 10, threads: threads)
        return Trainer(network: network, stream: stream, settings: settings, seed: 0, plugins: plugins)
    }

    /// Training seconds (evaluation excluded) of `strategy` over every task of `stream`.
    static func trainingSeconds(_ strategy: Strategy, stream: TaskStream, threads: Int) throws -> Double {
        let trainer = trainer(plugins(strategy, stream: stream), stream: stream, threads: threads)
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.checkPlugins()
        trainer.plugins.forEach { $0.beforeTraining(trainer) }
        let start = DispatchTime.now()
        for task in stream.tasks { try trainer.train(on: task, of: stream.tasks.count, progress: nil, into: &result) }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Accuracy matrix R of a full run (training and evaluation) of `strategy`.
    static func accuracy(_ strategy: Strategy, stream: TaskStream, threads: Int) throws -> [[Double]] {
        try trainer(plugins(strategy, stream: stream), stream: stream, threads: threads).run().accuracy
    }

    /// Seconds per GEM step with `past` tasks in memory (256 each), over `steps` steps of the next task.
    static func gemStepSeconds(past: Int, steps: Int, strategy: Strategy, stream: TaskStream, threads: Int) throws
        -> Double
    {
        let (mode, sparse) = strategy.gemComputation!
        let gem = GEMPlugin(
            patternsPerExperience: 256, memoryStrength: 0.5, memorySelection: .random,
            inputWidth: stream.inputWidth, seed: 0, referenceGradients: mode, sparseFirstLayer: sparse)
        for task in stream.tasks.prefix(past) { gem.memory.finishTask(task) }
        _ = gem.memory.sparseInputs  // built once per task in a run; not part of a step
        let trainer = trainer([gem], stream: stream, threads: threads)
        var task = stream.tasks[past]
        task.train = TaskSamples(task.train.rows(Array(0..<min(steps * 10, task.train.count))))
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        gem.beforeTraining(trainer)
        let start = DispatchTime.now()
        try trainer.train(on: task, of: 1, progress: nil, into: &result)
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            / Double(result.stepLoss.count)
    }

    /// FLOPs of one direct reference-gradient pass over `rows` memory rows of an MLP:
    /// forward, weight gradients of every layer, input gradients of all but the first.
    static func referenceFLOPs(sizes: [Int], rows: Int) -> Double {
        var perRow = 0.0
        for i in 1..<sizes.count {
            let macs = Double(sizes[i - 1] * sizes[i])
            perRow += 2 * macs * (i == 1 ? 2 : 3)
        }
        return perRow * Double(rows)
    }

    /// Seconds of one direct reference-gradient pass for `past` tasks of 256 memories, dense or
    /// with the sparse first layer.
    static func referencePhaseSeconds(past: Int, stream: TaskStream, threads: Int, repeats: Int, sparse: Bool) -> Double
    {
        let (memory, segments) = memories(past: past, stream: stream)
        let sparseInputs =
            sparse
            ? memory.inputs.withUnsafeBufferPointer {
                SparseRows($0.baseAddress!, rows: memory.count, width: memory.width, segments: segments)
            } : nil
        var rng = RandomStream(seed: 0, purpose: "init")
        let network = Network.mlp([stream.inputWidth, 100, 100, stream.classCount], rng: &rng)
        let references = ReferenceGradients()
        return time(repeats: repeats) {
            references.compute(
                network, data: memory, segments: segments, heads: nil, threads: threads,
                sparseInputs: sparseInputs)
        }.min
    }

    /// The first `past` tasks' first 256 training rows, one segment per task (GEM's memory layout).
    static func memories(past: Int, stream: TaskStream) -> (data: LabeledData, segments: [Range<Int>]) {
        var memory = LabeledData(width: stream.inputWidth)
        var segments: [Range<Int>] = []
        for task in stream.tasks.prefix(past) {
            let rows = task.train.rows(Array(0..<256))
            segments.append(memory.count..<(memory.count + rows.count))
            memory.append(contentsOf: rows)
        }
        return (memory, segments)
    }

    /// Best-of-`repeats` seconds of the memories' first-layer forward (Z1 = X W1ᵀ + b1) and
    /// per-task weight gradients (dW1_k = dZ1_kᵀ X_k), dense (`Kernels.gemm`) and sparse (`SparseRows`).
    static func firstLayerSeconds(past: Int, stream: TaskStream, threads: Int, repeats: Int)
        -> (
            denseForward: Double, sparseForward: Double, denseGradients: Double, sparseGradients: Double,
            density: Double
        )
    {
        let (memory, segments) = memories(past: past, stream: stream)
        let rows = memory.count
        let width = stream.inputWidth
        let out = 100
        var rng = RandomStream(seed: 2, purpose: "perf/first-layer")
        let w = FloatBuffer((0..<(out * width)).map { _ in rng.unitFloat() - 0.5 })
        let dy = FloatBuffer((0..<(rows * out)).map { _ in rng.unitFloat() - 0.5 })
        let bias = FloatBuffer(count: out)
        let y = FloatBuffer(count: rows * out)
        let wt = FloatBuffer(count: out * width)
        let gradients = FloatBuffer(count: segments.count * out * width)
        let sparse = memory.inputs.withUnsafeBufferPointer {
            SparseRows($0.baseAddress!, rows: rows, width: width, segments: segments)
        }
        return memory.inputs.withUnsafeBufferPointer { xs in
            let x = xs.baseAddress!
            let denseForward = time(repeats: repeats) {
                Kernels.gemm(
                    transB: true, m: rows, n: out, k: width, a: x, lda: width, b: w.pointer, ldb: width,
                    c: y.pointer, ldc: out)
            }.min
            let sparseForward = time(repeats: repeats) {
                transpose(w.pointer, rows: out, columns: width, into: wt.pointer)
                sparse.multiply(wt.pointer, n: out, start: bias.pointer, into: y.pointer, lanes: threads)
            }.min
            let denseGradients = time(repeats: repeats) {
                for (k, segment) in segments.enumerated() {
                    Kernels.gemm(
                        transA: true, m: out, n: width, k: segment.count,
                        a: dy.pointer + segment.lowerBound * out, lda: out, b: x + segment.lowerBound * width,
                        ldb: width, accumulate: true, c: gradients.pointer + k * out * width, ldc: width)
                }
            }.min
            let targets = segments.enumerated().map {
                GradientTarget(rows: $1, gradient: gradients.pointer + $0 * out * width)
            }
            let sparseGradients = time(repeats: repeats) {
                sparse.addSegmentProducts(dy.pointer, n: out, into: targets, offset: 0, lanes: threads)
            }.min
            return (denseForward, sparseForward, denseGradients, sparseGradients, sparse.density)
        }
    }

    /// Peak resident memory of this process in MiB.
    static var peakMemoryMiB: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
    }
}
