extension DatasetName {
    public static let cifar100 = DatasetName(declared: "cifar100")
}

extension DatasetDefinition {
    /// Krizhevsky's CIFAR-100, binary version, with its 20 superclasses (`ImageSet.coarseLabels`);
    /// `bench fetch cifar100` downloads it. The archive's MD5 is the dataset page's; it and the byte
    /// size are the git-annex key of the datasets-mila/datasets--cifar100 mirror
    /// (`MD5E-s168513733--03b5dce0…`). The extracted files' MD5s as rai-project/dldataset
    /// `vision/cifar100.go` lists them (the one public source found).
    public static let cifar100: DatasetDefinition = {
        let format = CIFARFormat(
            dataset: .cifar100, trainFiles: ["train.bin"], testFile: "test.bin",
            labelBytes: 2, recordsPerTrainFile: 50_000, testRecords: 10_000,
            md5: ["train.bin": "6172c7755cfe09b2fe270c85cebc1b15", "test.bin": "4499cfba6c016c1be1438163640a0898"])
        return DatasetDefinition(
            name: "cifar100", displayName: "CIFAR-100", imageShape: [3, 32, 32],
            trainImagesPerClass: [Int](repeating: 500, count: 100),
            testImagesPerClass: [Int](repeating: 100, count: 100),
            coarseClassCount: 20, format: .cifar(format), knownDigests: [:], archiveFolderName: "cifar-100-binary",
            fetchSource: FetchSource.cifar(
                format, folder: "cifar-100-binary",
                url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                md5: "03b5dce01913d631647c71ecec9e9cb8", size: 168_513_733),
            inputDensity: 1)
    }()
}
