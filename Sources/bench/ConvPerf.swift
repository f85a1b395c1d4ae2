import Foundation
import Learning

/// `bench perf --model resnet18`: GEM's reduced ResNet18 (nf 20, 3×32×32, 100 classes) on
/// random images, in one process beside sgemm at the network's own product shapes. PyTorch's
/// figures for the same measurements come from scripts/time_pytorch_resnet.py.
enum ConvPerf {
    static func run(repeats: Int, threads: Int, quick: Bool) throws {
        var rng = RandomStream(seed: 0, purpose: "perf/resnet")
        let net = try Network.reducedResNet18(channels: 3, height: 32, width: 32, classes: 100, nf: 20, rng: &rng)
        let flops = net.productFLOPsPerImage
        print(
            "bench perf --model resnet18: reduced ResNet18 nf 20, 3x32x32, 100 classes, \(net.parameterCount) parameters;"
                + " \(threads) lanes; min / median of \(repeats)")
        print(
            String(
                format: "FLOP per image (convolution and linear products): forward %.1f M, backward %.1f M",
                Double(flops.forward) / 1e6, Double(flops.backward) / 1e6))

        print(
            "\nproducts at the network's shapes (forward, batch 256), GFLOP/s: ours (kernel path \(Kernels.path)),"
                + " OpenBLAS sgemm on 1 and \(threads) threads:")
        for shape in shapes() {
            print(
                "  \(shape)".padding(toLength: 34, withPad: " ", startingAt: 0)
                    + PerfBenchmarks.gemmLine(shape, threads: threads, repeats: repeats))
        }

        net.setLanes(threads)
        let images = FloatBuffer((0..<(19 * 256 * net.inputWidth)).map { _ in rng.unitFloat() * 2 - 1 })
        let labels = (0..<(19 * 256)).map { _ in Int32(rng.below(100)) }
        let logitGradient = FloatBuffer(count: 256 * 100)
        let taskGradients = FloatBuffer(count: 19 * net.parameterCount)
        let sgd = SGD(learningRate: 0.1)

        /// One train-mode forward + backward of `rows` images starting at image `first`, into `gradient`.
        func pass(first: Int, rows: Int, into gradient: UnsafeMutablePointer<Float>) {
            let logits = net.forward(images.pointer + first * net.inputWidth, rows: rows)
            labels.withUnsafeBufferPointer { lb in
                _ = SoftmaxCrossEntropy.lossAndGradient(
                    logits: logits, labels: lb.baseAddress! + first, rows: rows,
                    classes: 100, scale: 1 / Float(rows), gradient: logitGradient.pointer)
            }
            net.backward(logitGradient.pointer, targets: [GradientTarget(rows: 0..<rows, gradient: gradient)])
        }

        print("\ntraining passes (train mode, one batch-norm segment per pass):")
        let step = PerfBenchmarks.time(repeats: 4 * repeats) {
            net.gradients.fill(0)
            pass(first: 0, rows: 10, into: net.gradients.pointer)
            sgd.step(net)
        }
        print(
            String(
                format: "  SGD step, batch 10              %8.1f / %8.1f ms   %6.1f GFLOP/s",
                step.min * 1e3, step.median * 1e3, rate(flops, images: 10, seconds: step.min)))
        let batch = PerfBenchmarks.time(repeats: repeats) {
            net.gradients.fill(0)
            pass(first: 0, rows: 256, into: net.gradients.pointer)
        }
        print(
            String(
                format: "  forward + backward, batch 256   %8.1f / %8.1f ms   %6.1f GFLOP/s   %4.0f images/s",
                batch.min * 1e3, batch.median * 1e3, rate(flops, images: 256, seconds: batch.min), 256 / batch.min))

        print("\nGEM reference phase: per past task, one train-mode pass over its 256 memories into its gradient row:")
        for past in quick ? [1] : [1, 5, 19] {
            let phase = PerfBenchmarks.time(repeats: past > 5 ? max(1, repeats / 2) : repeats) {
                taskGradients.fill(0)
                for task in 0..<past {
                    pass(first: task * 256, rows: 256, into: taskGradients.pointer + task * net.parameterCount)
                }
            }
            print(
                String(
                    format: "  %2d past tasks                   %8.3f / %8.3f s    %6.1f GFLOP/s",
                    past, phase.min, phase.median, rate(flops, images: 256 * past, seconds: phase.min)))
        }
        print(String(format: "peak memory (ru_maxrss): %.0f MiB", PerfBenchmarks.peakMemoryMiB))
    }

    /// Achieved GFLOP/s of forward + backward over `images`.
    private static func rate(_ flops: (forward: Int, backward: Int), images: Int, seconds: Double) -> Double {
        Double(flops.forward + flops.backward) * Double(images) / seconds / 1e9
    }

    /// The forward products of the four stages' 3×3 convolutions as Conv2D runs them
    /// (Cout × columns × Cin·9, 512 columns per product where images are small).
    private static func shapes() -> [PerfBenchmarks.Shape] {
        [
            .init(name: "stage 1 conv    ", m: 20, n: 1024, k: 180),
            .init(name: "stage 2 conv    ", m: 40, n: 512, k: 360),
            .init(name: "stage 3 conv    ", m: 80, n: 512, k: 720),
            .init(name: "stage 4 conv    ", m: 160, n: 512, k: 1440),
        ]
    }
}
