// swift-tools-version:6.0
import PackageDescription

// The numeric targets are optimised in every configuration: `swift run bench` builds
// debug, and an unoptimised elementwise loop is 20-50x slower.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "GEMBench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bench", targets: ["bench"]),
        .library(
            name: "GEMBench",
            targets: [
                "Learning", "QuadraticProgram", "Data", "Benchmarks",
                "Strategies", "Evaluation", "Storage", "Experiments", "Reporting",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries, each through a small shim header.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        // The project's own numeric kernels (products, axpy, long dots, exp/log, sin/cos): one
        // written rounding order each, the same bits on every CPU; scalar, AVX2, AVX-512 and NEON
        // paths chosen at run time. No fused multiply-add unless written as one.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        // Numerics: layers, models, losses, SGD, seeded generators, on CKernels.
        .target(name: "Learning", dependencies: ["CKernels"], swiftSettings: optimized),
        // GEM's dual quadratic program, exact, in float64.
        .target(name: "QuadraticProgram", swiftSettings: optimized),
        // IDX and CIFAR readers, checksums, dataset locations, `bench fetch`'s download and unpacking.
        .target(name: "Data", dependencies: ["CZlib", "COpenSSL", "CArchive", "Learning"]),
        // Seeded task streams: permuted, rotated, split.
        .target(name: "Benchmarks", dependencies: ["Data", "Learning"], swiftSettings: optimized),
        // ACC, BWT, FWT, forgetting and LCA: the one metrics type of evaluation, run files and reports.
        .target(name: "Metrics"),
        // The accuracy matrix R and b.
        .target(name: "Evaluation", dependencies: ["Learning", "Benchmarks"]),
        // The training loop and its plugins: naive, replay, GEM, A-GEM, EWC, ...
        .target(
            name: "Strategies", dependencies: ["Learning", "QuadraticProgram", "Benchmarks", "Evaluation", "Metrics"],
            swiftSettings: optimized),
        // One HDF5 file per run.
        .target(name: "Storage", dependencies: ["CHDF5", "Metrics"]),
        // The git commit (and local changes) the binary was built from, written at build time.
        .plugin(name: "BuildStampPlugin", capability: .buildTool(), path: "Plugins/BuildStamp"),
        .target(name: "BuildStamp", plugins: ["BuildStampPlugin"]),
        // YAML registry, run plan, sharding, resume, runner.
        .target(
            name: "Experiments",
            dependencies: [
                "Learning", "Data", "Benchmarks", "Strategies", "Evaluation", "Metrics",
                "Storage", "BuildStamp", .product(name: "Yams", package: "Yams"),
            ]),
        // CSV and Markdown tables from run files.
        .target(name: "Reporting", dependencies: ["Storage", "Metrics"]),
        .executableTarget(
            name: "bench",
            dependencies: [
                "Experiments", "Reporting", "Storage", "Strategies", "Benchmarks", "Data", "Learning", "Evaluation",
                "Metrics",
                "CBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // What several test targets share: central differences, random arrays, synthetic task streams.
        .target(name: "TestSupport", dependencies: ["Learning", "Benchmarks"], path: "Tests/TestSupport"),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "CKernels", "TestSupport"]),
        .testTarget(name: "QuadraticProgramTests", dependencies: ["QuadraticProgram"]),
        .testTarget(name: "DataTests", dependencies: ["Data"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "Data"]),
        .testTarget(
            name: "EvaluationTests", dependencies: ["Evaluation", "Metrics", "Benchmarks", "Data", "Learning"]),
        .testTarget(name: "StrategiesTests", dependencies: ["Strategies", "Learning", "Benchmarks", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Metrics"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Strategies", "Learning"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Storage", "Metrics"]),
    ]
)
