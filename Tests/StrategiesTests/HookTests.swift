import Benchmarks
import Learning
import TestSupport
import XCTest

@testable import Strategies

/// Adds c · Σ logits² / rows to the loss (an L2 pull on the logits), with its exact gradient.
private final class LogitPenalty: StatelessPlugin {
    let c: Float
    init(_ c: Float) { self.c = c }
    func addLoss(_ trainer: Trainer, logits: UnsafePointer<Float>, logitGradient: UnsafeMutablePointer<Float>) -> Double
    {
        let rows = trainer.batch.count
        let n = rows * trainer.network.outputWidth
        var loss = 0.0
        for i in 0..<n {
            loss += Double(c * logits[i] * logits[i]) / Double(rows)
            logitGradient[i] += 2 * c * logits[i] / Float(rows)
        }
        return loss
    }
}

/// Predicts class 1 for every row of task 0, and leaves other tasks to the network.
private final class ConstantPredictor: StatelessPlugin {
    var predicts: Bool { true }
    func predict(
        _ trainer: Trainer, task: Int, inputs: UnsafePointer<Float>, rows: Int,
        tasks: UnsafePointer<Int32>, into predictions: UnsafeMutablePointer<Int32>
    ) -> Bool {
        guard task == 0 else { return false }
        for r in 0..<rows { predictions[r] = 1 }
        return true
    }
}

/// Identity layer with two state values, recording the mode of every forward.
private final class ModeSpy: Layer {
    let inputWidth: Int
    var outputWidth: Int { inputWidth }
    var offset = 0
    var mode: LayerMode = .train
    var modes: [LayerMode] = []
    private(set) var state: UnsafeMutablePointer<Float>?
    var parameterShapes: [(name: String, shape: [Int])] { [] }
    var stateShapes: [(name: String, shape: [Int])] { [("counts", [2])] }
    init(_ width: Int) { inputWidth = width }
    func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {}
    func initializeState(_ state: UnsafeMutablePointer<Float>) {
        state[0] = 0
        state[1] = 7
    }
    func bindState(_ state: UnsafeMutablePointer<Float>) { self.state = state }
    func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        modes.append(mode)
        if mode == .train { state![0] += 1 }  // train-mode forwards count themselves in the state
        y.update(from: x, count: rows * inputWidth)
    }
    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        dx?.update(from: dy, count: rows * inputWidth)
    }
}

final class LossHookTests: XCTestCase {
    /// The gradient a step applies is d(cross-entropy + the plugin's term)/dθ, checked by central
    /// differences of the two losses computed independently of the trainer.
    func testAddedLossTermReachesTheGradientExactly() throws {
        let stream = syntheticStream(tasks: 1, samples: 5)
        var rng = RandomStream(seed: 11)
        let net = Network.mlp([6, 4, 3], rng: &rng)
        let penalty = LogitPenalty(0.3)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0, batchSize: 5),
            seed: 11, plugins: [penalty])
        let data = stream.tasks[0].train.materialized
        for r in 0..<5 { trainer.batch.append(data, row: r) }
        let reported = trainer.step()
        let gradient = net.gradients.array

        func totalLoss() -> Double {
            var g = [Float](repeating: 0, count: 15)
            let logits = net.forward(data.inputs, rows: 5)
            let ce = SoftmaxCrossEntropy.lossAndGradient(
                logits: logits, labels: data.labels, rows: 5, classes: 3,
                scale: 0.2, gradient: &g)
            var l2 = 0.0
            for i in 0..<15 { l2 += Double(logits[i]) * Double(logits[i]) }
            return ce + 0.3 * l2 / 5
        }
        XCTAssertEqual(reported, totalLoss(), accuracy: 1e-5)
        for (i, numeric) in finiteDifferences(net, stride: 3, totalLoss) {
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 2e-3, "parameter \(i)")
        }
    }
}

final class PredictionHookTests: XCTestCase {
    func testAPluginMayReplacePredictionForSomeTasks() throws {
        let stream = syntheticStream(tasks: 2, samples: 30)
        var rng = RandomStream(seed: 12)
        let net = Network.mlp([6, 3], rng: &rng)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 12, plugins: [ConstantPredictor()])
        let ones = stream.tasks[0].test.labels.filter { $0 == 1 }.count
        XCTAssertEqual(trainer.evaluate(stream.tasks[0]), Double(ones) / 30)
        // task 1 falls through to the network's argmax
        XCTAssertEqual(
            trainer.evaluate(stream.tasks[1]),
            AccuracyEvaluatorReference.accuracy(net, stream.tasks[1].test.materialized))
    }

    /// With a plugin that keeps trained tasks fixed, after experience e only tasks e… are asked
    /// for again; the earlier ones keep their diagonal entry of R (here: the plugin's predictions
    /// drift with a counter, so a task evaluated again would show it).
    func testTasksAPluginKeepsFixedAreNotEvaluatedAgain() throws {
        let stream = syntheticStream(tasks: 3, samples: 20)
        var rng = RandomStream(seed: 14)
        let spy = DriftingPredictor()
        let result = try Trainer(
            network: Network.mlp([6, 3], rng: &rng), stream: stream,
            settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 14, plugins: [spy]
        ).run()
        // b, then after each experience e: tasks e, e + 1, … (one block of 20 rows each)
        XCTAssertEqual(spy.asked, [0, 1, 2, 0, 1, 2, 1, 2, 2])
        // the k-th block asked (from 0) predicts class k mod 3: R[0][0] is block 3, R[1][1] and
        // R[1][2] blocks 6 and 7, R[2][2] block 8
        let share = { (task: Int, label: Int32) in
            Double(stream.tasks[task].test.labels.filter { $0 == label }.count) / 20
        }
        XCTAssertEqual(result.accuracy[2], [share(0, 0), share(1, 0), share(2, 2)])
        XCTAssertEqual(result.accuracy[1][2], share(2, 1))
    }
}

/// Predicts one class for every row of a block: the number of blocks asked so far, mod 3; it
/// says it keeps trained tasks fixed, and records which task each block belonged to.
private final class DriftingPredictor: StatelessPlugin {
    var asked: [Int] = []
    var predicts: Bool { true }
    var keepsTrainedTasksFixed: Bool { true }
    func predict(
        _ trainer: Trainer, task: Int, inputs: UnsafePointer<Float>, rows: Int,
        tasks: UnsafePointer<Int32>, into predictions: UnsafeMutablePointer<Int32>
    ) -> Bool {
        for r in 0..<rows { predictions[r] = Int32(asked.count % 3) }
        asked.append(task)
        return true
    }
}

/// Argmax accuracy computed row by row, independently of `AccuracyEvaluator`'s blocks.
enum AccuracyEvaluatorReference {
    static func accuracy(_ net: Network, _ data: LabeledData) -> Double {
        var correct = 0
        for r in 0..<data.count {
            let row = Array(data.inputs[(r * data.width)..<((r + 1) * data.width)])
            let logits = Array(UnsafeBufferPointer(start: net.forward(row, rows: 1), count: net.outputWidth))
            if logits.firstIndex(of: logits.max()!) == Int(data.labels[r]) { correct += 1 }
        }
        return Double(correct) / Double(data.count)
    }
}

final class LayerStateTests: XCTestCase {
    /// State sits outside the parameter vector: training updates it only through train-mode
    /// forwards, evaluation runs in eval mode, and the run's result carries it.
    func testStateIsOutsideParametersAndEvaluationRunsInEvalMode() throws {
        let stream = syntheticStream(tasks: 2, samples: 10)
        var rng = RandomStream(seed: 13)
        let spy = ModeSpy(6)
        let net = Network(layers: [spy, Linear(6, 3)], rng: &rng)
        XCTAssertEqual(net.parameterCount, 6 * 3 + 3)
        XCTAssertEqual(net.stateLayout, [ParameterBlock(name: "layer0.counts", shape: [2], offset: 0)])
        XCTAssertEqual(net.state.array, [0, 7])
        let result = try Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 13, plugins: []
        ).run()
        // 2 tasks × 2 steps in train mode; every evaluation forward (3 × 2 tasks) in eval mode
        XCTAssertEqual(spy.modes.filter { $0 == .train }.count, 4)
        XCTAssertEqual(spy.modes.filter { $0 == .eval }.count, 6)
        XCTAssertEqual(result.state, [4, 7])
        XCTAssertEqual(result.stateLayout, net.stateLayout)
        XCTAssertEqual(result.parameters.count, net.parameterCount)
        XCTAssertEqual(net.mode, .train)
    }
}

final class PluginContractTests: XCTestCase {
    /// Incremental GEM reads the minibatch gradient as backward left it: beside EWC, which
    /// changes it, the run is refused before anything trains; the direct path runs.
    func testIncrementalGEMRefusesAnotherGradientChangingPlugin() throws {
        func trainer(_ mode: GEMPlugin.ReferenceGradientMode) -> Trainer {
            let stream = syntheticStream(tasks: 2, samples: 10)
            var rng = RandomStream(seed: 14)
            let gem = GEMPlugin(
                patternsPerExperience: 5, memoryStrength: 0.5, memorySelection: .random, inputWidth: 6,
                seed: 14, referenceGradients: mode, sparseFirstLayer: false)
            return Trainer(
                network: Network.mlp([6, 4, 3], rng: &rng), stream: stream,
                settings: TrainingSettings(learningRate: 0.1, batchSize: 5), seed: 14,
                plugins: [gem, EWCPlugin(patternsPerExperience: 5, lambda: 1)])
        }
        let refused = trainer(.incremental)
        XCTAssertThrowsError(try refused.run()) { error in
            XCTAssertTrue("\(error)".contains("EWCPlugin changes it; use reference_gradients: direct"), "\(error)")
        }
        XCTAssertEqual(refused.iteration, 0)
        XCTAssertEqual(try trainer(.direct).run().accuracy.count, 2)
    }
}
