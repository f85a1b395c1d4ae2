/// Which output classes each task may predict.
///
/// Task-incremental benchmarks (Split MNIST with one head per task) restrict a row's
/// logits to its task's classes: the masked logits take no part in the softmax, get no
/// gradient and cannot be predicted. Without heads every class is allowed.
public struct OutputHeads: Sendable, Equatable {
    public let classCount: Int
    public let taskCount: Int
    private let mask: [Bool]  // task-major, taskCount × classCount

    /// `classesPerTask[t]` lists the classes task t may predict.
    public init(classCount: Int, classesPerTask: [[Int]]) {
        self.classCount = classCount
        taskCount = classesPerTask.count
        var mask = [Bool](repeating: false, count: classCount * classesPerTask.count)
        for (t, classes) in classesPerTask.enumerated() {
            for c in classes {
                precondition(c >= 0 && c < classCount, "class \(c) outside 0..<\(classCount)")
                mask[t * classCount + c] = true
            }
        }
        self.mask = mask
    }

    @inline(__always)
    public func isAllowed(task: Int, class c: Int) -> Bool { mask[task * classCount + c] }

    public func classes(ofTask task: Int) -> [Int] { (0..<classCount).filter { isAllowed(task: task, class: $0) } }
}
