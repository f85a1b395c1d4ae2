extension DatasetName {
    public static let fashionMNIST = DatasetName(declared: "fashion-mnist")
}

extension DatasetDefinition {
    /// Zalando's Fashion-MNIST: balanced, 6000/1000 images of each class. The digests were computed
    /// once, with `zcat <file>.gz | sha256sum`, from Debian's `dataset-fashion-mnist` package
    /// (/usr/share/datasets/fashion-mnist), whose contents match Zalando's release (first training
    /// label 9). `bench fetch` takes the four files from Zalando, who serve them over plain http
    /// only (an S3 website endpoint): the MD5s of the "Get the Data" table of
    /// zalandoresearch/fashion-mnist's README (torchvision's `FashionMNIST.resources` lists the
    /// same), then the SHA-256 above, protect them.
    public static let fashionMNIST = DatasetDefinition(
        name: "fashion-mnist", displayName: "Fashion-MNIST", imageShape: [1, 28, 28],
        trainImagesPerClass: [Int](repeating: 6000, count: 10), testImagesPerClass: [Int](repeating: 1000, count: 10),
        coarseClassCount: nil, format: .idx,
        knownDigests: [
            "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ],
        archiveFolderName: nil,
        fetchSource: {
            let base = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
            let files = DatasetFiles()
            let md5 = [
                files.trainImages: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                files.trainLabels: "25c81989df183df01b3e8a0aad5dffbe",
                files.testImages: "bef4ecab320f06d8554ea6380940ec79",
                files.testLabels: "bb300cfdad3c16e7a12a480ee83cd310",
            ]
            return FetchSource(
                downloads: files.all.map {
                    FetchSource.Download(url: base + $0, fileName: $0, md5: md5[$0]!, size: nil)
                }, contents: .files)
        }(),
        inputDensity: 0.500)
}
