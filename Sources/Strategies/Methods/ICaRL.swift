import Benchmarks
import Foundation
import Learning

/// iCaRL (Rebuffi et al. 2017, "iCaRL: Incremental Classifier and Representation Learning"),
/// the GEM paper's class-incremental baseline, on split benchmarks only:
/// - exemplars: after each task, every new class gets an exemplar set chosen by herding on the
///   L2-normalised features (the last hidden layer's output) of its training samples; the
///   `memory_size` exemplars are shared equally among the classes seen so far (⌊K / classes⌋
///   each), so older sets shrink by dropping their last-chosen exemplars;
/// - training: each minibatch is joined by `replay_batch_size` exemplars (uniform, without
///   replacement); the loss is the trainer's mean cross-entropy plus `distillation` × the
///   mean over rows of Σ_{old classes c} BCE(σ(z_c), σ(z_c of the model before this task));
/// - classification: nearest mean of exemplars (the `predict` hook) among the classes that have
///   exemplars (within the task's head in the task-incremental scenario).
public enum ICaRL: StrategyDefinition {
    public static let name = "icarl"
    public static let abstract =
        "iCaRL: herded exemplars, distillation, nearest-mean-of-exemplars classification (Rebuffi et al. 2017)"

    public static let parameters: [StrategyParameter] = [
        StrategyParameter(
            "memory_size", .positiveInt, help: "exemplars in total, divided equally among the classes seen so far"),
        StrategyParameter(
            "replay_batch_size", .positiveInt, default: .int(10),
            help: "exemplars joined to every minibatch"),
        StrategyParameter(
            "distillation", .nonNegativeDouble, default: .double(1.0),
            help: "weight of the sigmoid distillation term on the old classes"),
    ]

    public static func validate(_ values: StrategyValues, in context: StrategyContext) -> [StrategyProblem] {
        switch context.scenario {
        case .classIncremental, .taskIncremental: return []
        case .domainIncremental:
            return [
                StrategyProblem(
                    key: nil,
                    "icarl needs a split benchmark (class- or task-incremental): its exemplar "
                        + "sets, class means and distillation are per class, and here every task has the "
                        + "same classes (domain-incremental)")
            ]
        }
    }

    public static func extraRowsPerStep(_ values: StrategyValues, in context: StrategyContext) -> Double {
        // the exemplar rows, and the previous model's forward pass over the joined batch
        Double(values.int("replay_batch_size")) + Double(context.batchSize + values.int("replay_batch_size"))
    }

    /// The exemplar rows' forward and backward, and the previous model's forward only.
    public static func extraFLOPsPerStep(_ values: StrategyValues, in context: StrategyContext, row: RowFLOPs) -> Double
    {
        let replay = Double(values.int("replay_batch_size"))
        return replay * row.full + (Double(context.batchSize) + replay) * row.forward
    }

    public static func storedRows(_ values: StrategyValues, in context: StrategyContext) -> Double {
        Double(values.int("memory_size")) + Double(values.int("replay_batch_size"))
    }

    public static func parameterCopies(_ values: StrategyValues, in context: StrategyContext) -> Double { 1 }

    public static func makePlugins(_ values: StrategyValues, _ build: StrategyBuild) throws -> [Plugin] {
        var rng = RandomStream(seed: build.seed, purpose: "icarl/previous-model")
        let previous = try build.makeNetwork(.standard, &rng)
        return [
            ICaRLPlugin(
                memorySize: values.int("memory_size"), replayBatchSize: values.int("replay_batch_size"),
                distillation: values.double("distillation"), previousModel: previous, seed: build.seed)
        ]
    }
}

public final class ICaRLPlugin: Plugin {
    public let memorySize: Int
    public let replayBatchSize: Int
    public let distillation: Double
    /// Exemplars per class, in herding order (most representative first).
    public private(set) var exemplars: [Int: LabeledData] = [:]
    /// Mean of each class's normalised exemplar features, after the last task.
    public private(set) var classMeans: [Int: [Float]] = [:]
    /// The classes of the tasks before the current one.
    private var oldClasses: [Int] = []
    private let previousModel: Network
    private var drawRNG: RandomStream
    private var pool = LabeledData(width: 0)

    public init(memorySize: Int, replayBatchSize: Int, distillation: Double, previousModel: Network, seed: UInt64) {
        (self.memorySize, self.replayBatchSize, self.distillation, self.previousModel) =
            (memorySize, replayBatchSize, distillation, previousModel)
        previousModel.mode = .eval
        drawRNG = RandomStream(seed: seed, purpose: "icarl/draw")
    }

    public func beforeTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        guard !oldClasses.isEmpty else { return }
        // the model as it was after the previous task gives the distillation targets
        let net = trainer.network
        previousModel.parameters.pointer.update(from: net.parameters.pointer, count: net.parameterCount)
        previousModel.state.pointer.update(from: net.state.pointer, count: net.state.count)
        pool = exemplars.keys.sorted().reduce(LabeledData(width: net.inputWidth)) { $0.appending(exemplars[$1]!) }
    }

    public func beforeTrainingIteration(_ trainer: Trainer) {
        guard pool.count > 0 else { return }
        for i in drawRNG.sample(min(replayBatchSize, pool.count), from: pool.count) {
            trainer.batch.append(pool, row: i)
        }
    }

    public func addLoss(
        _ trainer: Trainer, logits: UnsafePointer<Float>,
        logitGradient: UnsafeMutablePointer<Float>
    ) -> Double {
        guard !oldClasses.isEmpty, distillation > 0 else { return 0 }
        let batch = trainer.batch
        let rows = batch.count
        let classes = trainer.network.outputWidth
        let targets = batch.inputs.withUnsafeBufferPointer { x in
            batch.tasks.withUnsafeBufferPointer { t in
                Array(
                    UnsafeBufferPointer(
                        start: previousModel.forward(x.baseAddress!, rows: rows, tasks: t.baseAddress!),
                        count: rows * classes))
            }
        }
        return Self.distillationLoss(
            logits: logits, previousLogits: targets, rows: rows, classes: classes,
            oldClasses: oldClasses, weight: Float(distillation), gradient: logitGradient)
    }

    /// weight · (1/rows) Σ_r Σ_{c ∈ oldClasses} BCE(σ(z_rc), σ(z'_rc)) with z' the previous model's
    /// logits; adds its gradient weight · (σ(z) − σ(z')) / rows into `gradient`.
    static func distillationLoss(
        logits: UnsafePointer<Float>, previousLogits: [Float], rows: Int, classes: Int,
        oldClasses: [Int], weight: Float, gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        func sigmoid(_ z: Float) -> Float { 1 / (1 + Kernels.exp(-z)) }
        // log(1 + e^z), stable
        func softplus(_ z: Float) -> Double { Double(max(z, 0) + Kernels.log1p(Kernels.exp(-abs(z)))) }
        let scale = weight / Float(rows)
        var total = 0.0
        for r in 0..<rows {
            for c in oldClasses {
                let z = logits[r * classes + c]
                let q = sigmoid(previousLogits[r * classes + c])
                // −q log σ(z) − (1 − q) log(1 − σ(z)) = q softplus(−z) + (1 − q) softplus(z)
                total += Double(q) * softplus(-z) + Double(1 - q) * softplus(z)
                gradient[r * classes + c] += scale * (sigmoid(z) - q)
            }
        }
        return Double(scale) * total
    }

    public func afterTrainingExp(_ trainer: Trainer, task: BenchmarkTask) {
        let net = trainer.network
        net.mode = .eval
        defer { net.mode = .train }
        let newClasses = task.classes.filter { exemplars[$0] == nil }
        let perClass = max(1, memorySize / max(1, exemplars.count + newClasses.count))
        for (c, set) in exemplars where set.count > perClass { exemplars[c] = set.rows(Array(0..<perClass)) }
        for c in newClasses {
            let data = task.train.rows((0..<task.train.count).filter { Int(task.train.labels[$0]) == c })
            guard data.count > 0 else { continue }
            let order = Self.herding(features: features(net, data), width: featureWidth(net), count: perClass)
            exemplars[c] = data.rows(order)
        }
        classMeans = [:]
        for (c, set) in exemplars {
            let phi = features(net, set)
            let w = featureWidth(net)
            classMeans[c] = (0..<w).map { j in (0..<set.count).map { phi[$0 * w + j] }.reduce(0, +) / Float(set.count) }
        }
        oldClasses = exemplars.keys.sorted()
    }

    private func featureWidth(_ net: Network) -> Int { net.layers[net.layers.count - 1].inputWidth }

    /// L2-normalised last-hidden-layer features of every row of `data` (rows × width).
    private func features(_ net: Network, _ data: LabeledData) -> [Float] {
        _ = data.inputs.withUnsafeBufferPointer { x in
            data.tasks.withUnsafeBufferPointer { t in
                net.forward(x.baseAddress!, rows: data.count, tasks: t.baseAddress!)
            }
        }
        return Self.normalised(net.lastHiddenOutput(rows: data.count), width: featureWidth(net))
    }

    static func normalised(_ rows: [Float], width: Int) -> [Float] {
        var out = rows
        for r in 0..<(rows.count / width) {
            let norm = (0..<width).map { rows[r * width + $0] * rows[r * width + $0] }.reduce(0, +).squareRoot()
            if norm > 0 { for j in 0..<width { out[r * width + j] /= norm } }
        }
        return out
    }

    /// iCaRL's herding (the paper's Algorithm 4): the k-th exemplar is the row not yet chosen
    /// whose feature brings the mean of the chosen ones closest to the mean μ of all rows,
    /// argmin_i ‖μ − (φ_i + Σ_{j<k} φ_{p_j}) / k‖ (ties: the lowest row). Returns row indices in
    /// order of choice, at most `count`.
    static func herding(features phi: [Float], width: Int, count: Int) -> [Int] {
        let n = phi.count / width
        let mu = (0..<width).map { j in (0..<n).map { Double(phi[$0 * width + j]) }.reduce(0, +) / Double(n) }
        var chosenSum = [Double](repeating: 0, count: width)
        var taken = [Bool](repeating: false, count: n)
        var order: [Int] = []
        for k in 1...max(1, min(count, n)) where order.count < min(count, n) {
            var best = -1
            var bestDistance = Double.infinity
            for i in 0..<n where !taken[i] {
                var d = 0.0
                for j in 0..<width {
                    let e = mu[j] - (Double(phi[i * width + j]) + chosenSum[j]) / Double(k)
                    d += e * e
                }
                if d < bestDistance {
                    best = i
                    bestDistance = d
                }
            }
            taken[best] = true
            order.append(best)
            for j in 0..<width { chosenSum[j] += Double(phi[best * width + j]) }
        }
        return order
    }

    public var predicts: Bool { true }

    /// Nearest mean of exemplars, once there are exemplars (before: the network's argmax).
    public func predict(
        _ trainer: Trainer, task: Int, inputs: UnsafePointer<Float>, rows: Int,
        tasks: UnsafePointer<Int32>, into predictions: UnsafeMutablePointer<Int32>
    ) -> Bool {
        let net = trainer.network
        let heads = trainer.heads
        guard !classMeans.isEmpty,
            heads == nil || classMeans.keys.contains(where: { heads!.isAllowed(task: task, class: $0) })
        else { return false }
        net.forward(inputs, rows: rows, tasks: tasks)
        let w = featureWidth(net)
        let phi = Self.normalised(net.lastHiddenOutput(rows: rows), width: w)
        Self.nearestMean(
            features: phi, width: w, means: classMeans, rows: rows,
            allowed: { r, c in heads?.isAllowed(task: Int(tasks[r]), class: c) ?? true }, into: predictions)
        return true
    }

    /// For each row, the allowed class whose mean is nearest (Euclidean; ties: the lowest class).
    static func nearestMean(
        features phi: [Float], width: Int, means: [Int: [Float]], rows: Int,
        allowed: (Int, Int) -> Bool, into predictions: UnsafeMutablePointer<Int32>
    ) {
        let classes = means.keys.sorted()
        for r in 0..<rows {
            var best = -1
            var bestDistance = Float.infinity
            for c in classes where allowed(r, c) {
                let mean = means[c]!
                var d: Float = 0
                for j in 0..<width { d += (phi[r * width + j] - mean[j]) * (phi[r * width + j] - mean[j]) }
                if d < bestDistance {
                    best = c
                    bestDistance = d
                }
            }
            predictions[r] = Int32(best)
        }
    }

    /// The exemplars, class means, old classes, the previous model (parameters and layer
    /// state) and the draw stream. The replay pool is the exemplars joined in class order, as
    /// `beforeTrainingExp` builds it; rebuilt on restore.
    public func saveState(_ trainer: Trainer, into state: inout SavedState) {
        let classes = exemplars.keys.sorted()
        state.set("exemplar_classes", integers: classes)
        for c in classes { state.set("exemplars/\(c)", exemplars[c]!) }
        let meanClasses = classMeans.keys.sorted()
        state.set("mean_classes", integers: meanClasses)
        state.set("class_means", floats: meanClasses.flatMap { classMeans[$0]! })
        state.set("old_classes", integers: oldClasses)
        state.set("previous_model/parameters", floats: previousModel.parameters.array)
        state.set("previous_model/state", floats: previousModel.state.array)
        state.set("draw_rng", drawRNG)
    }

    public func restoreState(_ trainer: Trainer, from state: SavedState) throws {
        exemplars = [:]
        for c in try state.integers("exemplar_classes") { exemplars[c] = try state.labeledData("exemplars/\(c)") }
        let meanClasses = try state.integers("mean_classes")
        let width = featureWidth(trainer.network)
        let means = try state.floats("class_means", count: meanClasses.count * width)
        classMeans = [:]
        for (i, c) in meanClasses.enumerated() { classMeans[c] = Array(means[(i * width)..<((i + 1) * width)]) }
        oldClasses = try state.integers("old_classes")
        let parameters = try state.floats("previous_model/parameters", count: previousModel.parameterCount)
        let layerState = try state.floats("previous_model/state", count: previousModel.state.count)
        previousModel.parameters.copy(from: FloatBuffer(parameters))
        previousModel.state.copy(from: FloatBuffer(layerState))
        drawRNG = try state.randomStream("draw_rng")
        pool =
            oldClasses.isEmpty
            ? LabeledData(width: 0)
            : exemplars.keys.sorted().reduce(LabeledData(width: trainer.network.inputWidth)) {
                $0.appending(exemplars[$1]!)
            }
    }

    /// Every exemplar, class by class in class order.
    public var episodicMemory: LabeledData? {
        guard let width = exemplars.values.first?.width else { return nil }
        return exemplars.keys.sorted().reduce(LabeledData(width: width)) { $0.appending(exemplars[$1]!) }
    }
}

extension LabeledData {
    /// These rows followed by `other`'s.
    func appending(_ other: LabeledData) -> LabeledData {
        LabeledData(
            inputs: inputs + other.inputs, labels: labels + other.labels, tasks: tasks + other.tasks, width: width)
    }
}
