/// Every dataset `benchmark.dataset` accepts, in the order `bench data` lists them; a new
/// dataset is one line here.
public enum DatasetList {
    public static let all: [DatasetDefinition] = [
        .mnist,
        .fashionMNIST,
        .cifar10,
        .cifar100,
    ]
}
