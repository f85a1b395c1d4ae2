import Foundation
import Glibc

/// What `DatasetFetcher` reports while it works.
public enum FetchEvent: Sendable {
    /// A step done or begun, as a line for the user.
    case message(String)
    /// Bytes of `url` received so far (including a resumed part), of `total` when known.
    case progress(url: String, received: Int64, total: Int64?)
}

/// What `DatasetFetcher.fetch` did.
public struct FetchReport: Sendable {
    /// `<data folder>/<name>`, where the dataset now is.
    public let destination: String
    /// False when a valid copy was already there and nothing was downloaded.
    public let installed: Bool
    /// The verified dataset (as `readDataset` returns it).
    public let dataset: LoadedDataset
}

/// `bench fetch`: downloads a dataset from its official URL into `<data folder>/<name>`.
///
/// Steps, each safe to interrupt:
/// 1. A valid copy already in place: nothing to do. An invalid one is left alone (an error).
/// 2. Each file is downloaded into `<data folder>/.fetch-<name>/<file>.part`, resuming what an
///    earlier attempt left (broken connections are retried `attempts` times); its size and MD5
///    are checked against the published ones before it loses the `.part` suffix. A wrong file
///    is deleted.
/// 3. The archive is unpacked (or the files are moved) into a temporary sibling folder
///    `.<name>.partial-<uuid>`, which is read back with the dataset's reader (sizes, labels,
///    digests) and only then renamed to `<name>`: a half-unpacked folder never has the name
///    the loader looks for.
/// 4. The downloads are deleted.
public struct DatasetFetcher: Sendable {
    public let name: DatasetName
    let source: FetchSource
    /// Reads and checks an unpacked folder; `readDataset(name, from:)` unless a test shrinks the format.
    let verify: @Sendable (String) throws -> LoadedDataset
    var attempts = 3
    var retryDelay: TimeInterval = 2
    var timeout: TimeInterval = 60

    /// The fetcher for `name`'s official source (or the same files from `mirror`); throws
    /// `FetchError.notFetchable` for MNIST.
    public init(_ name: DatasetName, mirror: String? = nil) throws {
        guard let official = FetchSource.official(name) else { throw FetchError.notFetchable(name) }
        let source = mirror.map { official.mirrored(at: $0) } ?? official
        self.init(name: name, source: source) { try readDataset(name, from: $0) }
    }

    init(name: DatasetName, source: FetchSource, verify: @escaping @Sendable (String) throws -> LoadedDataset) {
        self.name = name
        self.source = source
        self.verify = verify
    }

    /// Installs the dataset as `<dataFolder>/<name>` (creating `dataFolder` if needed).
    public func fetch(into dataFolder: String, events: @escaping @Sendable (FetchEvent) -> Void) throws -> FetchReport {
        let fm = FileManager.default
        let destination = join(dataFolder, name.rawValue)
        if !DatasetLocator.isDirectory(dataFolder) {
            try createDirectory(dataFolder)
            events(.message("created \(dataFolder)"))
        }
        if fm.fileExists(atPath: destination) {
            do {
                let dataset = try verify(destination)
                events(.message("\(name.displayName) is already in \(destination) and verified; nothing to do"))
                return FetchReport(destination: destination, installed: false, dataset: dataset)
            } catch {
                throw FetchError.invalidExistingCopy(path: destination, problem: "\(error)")
            }
        }

        let staging = join(dataFolder, ".fetch-\(name.rawValue)")
        try createDirectory(staging)
        defer { Glibc.rmdir(staging) }  // only when empty: a kept .part or archive stays for the next run
        var downloaded: [String] = []
        for download in source.downloads {
            downloaded.append(try obtain(download, in: staging, events: events))
        }

        removeStalePartials(in: dataFolder)
        let partial = join(dataFolder, ".\(name.rawValue).partial-\(UUID().uuidString)")
        try createDirectory(partial)
        var renamed = false
        defer { if !renamed { try? fm.removeItem(atPath: partial) } }
        switch source.contents {
        case .archive(let layout):
            let names = try TarGzExtractor.extract(downloaded[0], layout: layout, into: partial)
            events(.message("unpacked \(names.count) files from \(downloaded[0])"))
        case .files:
            for (path, download) in zip(downloaded, source.downloads) {
                try rename(path, to: join(partial, download.fileName))
            }
        }
        let dataset = try verify(partial)
        events(
            .message(
                "verified \(name.displayName): \(dataset.train.count) training and \(dataset.test.count) test"
                    + " images of \(dataset.train.channels)×\(dataset.train.rows)×\(dataset.train.cols), sizes, labels and digests"
                    + " as published"))
        try rename(partial, to: destination)
        renamed = true
        try? fm.removeItem(atPath: staging)
        events(.message("installed \(name.displayName) in \(destination) (downloads removed)"))
        let installed = LoadedDataset(
            name: dataset.name, train: dataset.train, test: dataset.test,
            checksums: dataset.checksums, directory: destination)
        return FetchReport(destination: destination, installed: true, dataset: installed)
    }

    /// A verified copy of `download` in `staging`: kept from an earlier run, or downloaded (resuming a `.part`).
    private func obtain(
        _ download: FetchSource.Download, in staging: String,
        events: @escaping @Sendable (FetchEvent) -> Void
    ) throws -> String {
        let path = join(staging, download.fileName)
        if DatasetLocator.isFile(path) {
            if (try? check(path, download)) != nil {
                events(.message("\(path) was downloaded before and matches the published MD5"))
                return path
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        let part = path + ".part"
        guard let url = URL(string: download.url) else {
            throw FetchError.httpStatus(url: download.url, status: 0)
        }
        let start = Date()
        var attempt = 1
        while true {
            do {
                let (length, resumedFrom) = try Downloader.download(url, to: part, timeout: timeout) {
                    received, total in
                    events(.progress(url: download.url, received: received, total: total ?? download.size))
                }
                let seconds = Date().timeIntervalSince(start)
                events(
                    .message(
                        "downloaded \(download.url): \(length) bytes"
                            + (resumedFrom > 0 ? " (resumed at byte \(resumedFrom))" : "")
                            + " in \(String(format: "%.1f", seconds)) s"))
                break
            } catch FetchError.httpStatus(_, 416) where attempt < attempts {
                // The server has no bytes past the part file: either it is complete or it is stale.
                if let size = download.size, fileSize(part) == size { break }
                try? FileManager.default.removeItem(atPath: part)
            } catch let error as FetchError {
                guard case .network(_, let reason, _, let received) = error, attempt < attempts else {
                    if fileSize(part) <= 0 { try? FileManager.default.removeItem(atPath: part) }  // nothing to resume
                    throw error
                }
                events(
                    .message(
                        "\(download.url): \(reason) at byte \(received); retrying"
                            + " (attempt \(attempt + 1) of \(attempts))"))
                Thread.sleep(forTimeInterval: retryDelay)
            }
            attempt += 1
        }
        do {
            try check(part, download)
        } catch {
            try? FileManager.default.removeItem(atPath: part)  // resuming a wrong file cannot repair it
            throw error
        }
        events(.message("MD5 of \(download.fileName) is \(download.md5), as published"))
        try rename(part, to: path)
        return path
    }

    /// Size (when published) then MD5 against `download`.
    private func check(_ path: String, _ download: FetchSource.Download) throws {
        if let size = download.size, fileSize(path) != size {
            throw FetchError.wrongDownloadSize(url: download.url, path: path, got: fileSize(path), expected: size)
        }
        let md5 = try MD5.hexDigest(ofFileAt: path)
        guard md5 == download.md5 else {
            throw FetchError.checksumMismatch(url: download.url, got: md5, expected: download.md5)
        }
    }

    /// Temporary folders of earlier fetches of this dataset that were killed mid-unpack.
    private func removeStalePartials(in dataFolder: String) {
        let prefix = ".\(name.rawValue).partial-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: dataFolder)) ?? []
        where entry.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: join(dataFolder, entry))
        }
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FetchError.fileSystem(path: path, action: "create the folder", reason: error.localizedDescription)
        }
    }

    /// POSIX rename: atomic, and refuses to replace a non-empty folder.
    private func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw FetchError.fileSystem(
                path: to, action: "rename \(from) to",
                reason: String(cString: strerror(errno)))
        }
    }

    private func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? -1
    }
}
