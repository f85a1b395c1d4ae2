extension DatasetName {
    public static let cifar10 = DatasetName(declared: "cifar10")
}

extension DatasetDefinition {
    /// Krizhevsky's CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html), which
    /// `bench fetch cifar10` downloads. The archive's MD5 is the dataset page's; it and the byte
    /// size are the git-annex key of the datasets-mila/datasets--cifar10 mirror
    /// (`MD5E-s170052171--c32a1d4a…`). The extracted files' MD5s as rai-project/dldataset
    /// `vision/cifar10.go` and several independent CMake `fetch_cifar10` scripts
    /// (`CIFAR_EXTRACTED_FILE_MD5s`) list them. No SHA-256 of the extracted files is published.
    public static let cifar10: DatasetDefinition = {
        let format = CIFARFormat(
            dataset: .cifar10, trainFiles: (1...5).map { "data_batch_\($0).bin" }, testFile: "test_batch.bin",
            labelBytes: 1, recordsPerTrainFile: 10_000, testRecords: 10_000,
            md5: [
                "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
                "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
                "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
                "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
                "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
                "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
            ])
        return DatasetDefinition(
            name: "cifar10", displayName: "CIFAR-10", imageShape: [3, 32, 32],
            trainImagesPerClass: [Int](repeating: 5000, count: 10),
            testImagesPerClass: [Int](repeating: 1000, count: 10),
            coarseClassCount: nil, format: .cifar(format), knownDigests: [:], archiveFolderName: "cifar-10-batches-bin",
            fetchSource: FetchSource.cifar(
                format, folder: "cifar-10-batches-bin",
                url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                md5: "c32a1d4ab5d03f1284b67883e8d87530", size: 170_052_171),
            inputDensity: 1)
    }()
}
