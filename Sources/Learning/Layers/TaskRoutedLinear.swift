/// A linear layer with one weight matrix and bias per task: row r goes through the
/// parameters of task `tasks[r]`. The GEM paper's "multimodal" model uses it as a
/// task-specific input layer in front of shared hidden and output layers.
public final class TaskRoutedLinear: Layer {
    public let inputWidth: Int
    public let outputWidth: Int
    public let taskCount: Int
    public var offset = 0
    private let perTask: [Linear]

    public init(_ inputWidth: Int, _ outputWidth: Int, tasks: Int) {
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        taskCount = tasks
        perTask = (0..<tasks).map { _ in Linear(inputWidth, outputWidth) }
    }

    public var parameterShapes: [(name: String, shape: [Int])] {
        (0..<taskCount).flatMap { t in perTask[t].parameterShapes.map { ("task\(t).\($0.name)", $0.shape) } }
    }

    /// Where task t's weights (outputWidth × inputWidth, then outputWidth biases) start.
    public func offset(ofTask t: Int) -> Int { offset + t * (inputWidth + 1) * outputWidth }

    private func placeTasks() {
        for (t, layer) in perTask.enumerated() { layer.offset = offset(ofTask: t) }
    }

    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        placeTasks()
        for layer in perTask { layer.initialize(parameters, using: &rng) }
    }

    /// Calls `body` once per run of consecutive rows that share a task.
    private func forEachTaskRun(rows: Int, tasks: UnsafePointer<Int32>?, _ body: (Int, Range<Int>) -> Void) {
        guard let tasks else { preconditionFailure("TaskRoutedLinear needs each row's task id") }
        Learning.forEachTaskRun(0..<rows, tasks: tasks) { task, run in
            precondition(Int(task) < taskCount, "task \(task) has no input layer")
            body(Int(task), run)
        }
    }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        placeTasks()
        forEachTaskRun(rows: rows, tasks: tasks) { t, run in
            perTask[t].forward(
                x + run.lowerBound * inputWidth, y + run.lowerBound * outputWidth, rows: run.count,
                parameters: parameters, tasks: nil)
        }
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        forEachTaskRun(rows: rows, tasks: tasks) { t, run in
            // each target's rows that fall in this run, re-based to the run's first row
            let local = targets.compactMap { target -> GradientTarget? in
                let rows = target.rows.clamped(to: run)
                return rows.isEmpty
                    ? nil
                    : GradientTarget(
                        rows: (rows.lowerBound - run.lowerBound)..<(rows.upperBound - run.lowerBound),
                        gradient: target.gradient)
            }
            perTask[t].backward(
                x: x + run.lowerBound * inputWidth, y: y + run.lowerBound * outputWidth,
                dy: dy + run.lowerBound * outputWidth,
                dx: dx.map { $0 + run.lowerBound * inputWidth }, rows: run.count,
                parameters: parameters, targets: local, tasks: nil)
        }
    }
}

extension Network {
    /// The GEM paper's multimodal model: a task-specific input layer per task, then shared
    /// hidden and output layers (`sizes` as for `mlp`).
    public static func multimodal(_ sizes: [Int], tasks: Int, rng: inout RandomStream) -> Network {
        precondition(sizes.count >= 3, "multimodal needs an input layer and at least one shared layer")
        var layers: [Layer] = [TaskRoutedLinear(sizes[0], sizes[1], tasks: tasks), ReLU(sizes[1])]
        for i in 2..<sizes.count {
            layers.append(Linear(sizes[i - 1], sizes[i]))
            if i < sizes.count - 1 { layers.append(ReLU(sizes[i])) }
        }
        return Network(layers: layers, rng: &rng)
    }
}

/// Calls `body` once per run of consecutive rows of `rows` that share a task id, in order.
public func forEachTaskRun(_ rows: Range<Int>, tasks: UnsafePointer<Int32>, _ body: (Int32, Range<Int>) -> Void) {
    var start = rows.lowerBound
    while start < rows.upperBound {
        var end = start + 1
        while end < rows.upperBound && tasks[end] == tasks[start] { end += 1 }
        body(tasks[start], start..<end)
        start = end
    }
}
