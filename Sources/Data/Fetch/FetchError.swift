/// Everything that can go wrong while `bench fetch` downloads, checks and unpacks a dataset.
/// Each message names the URL or file and what was expected, and says what to do next.
public enum FetchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dataset is not downloaded (MNIST ships in the repository).
    case notFetchable(DatasetName)
    /// No `--data-dir`, no GEMBENCH_DATA_DIR and no GEMBench checkout above `currentDirectory`.
    case noDataDirectory(currentDirectory: String)
    /// The server answered with an HTTP status other than 200 / 206.
    case httpStatus(url: String, status: Int)
    /// The connection failed or broke; `partPath` keeps the `received` bytes for a resume.
    case network(url: String, reason: String, partPath: String, received: Int64)
    /// The download ended with another length than the published one (or than Content-Length).
    case wrongDownloadSize(url: String, path: String, got: Int64, expected: Int64)
    /// The downloaded file's MD5 is not the published one; the file was deleted.
    case checksumMismatch(url: String, got: String, expected: String)
    /// libarchive could not read the archive (not gzip, corrupt, truncated).
    case corruptArchive(path: String, reason: String)
    /// A member the extractor refuses to write: absolute path, `..`, link, device, FIFO.
    case unsafeMember(path: String, member: String, reason: String)
    /// A member that the dataset's archive does not contain.
    case unexpectedMember(path: String, member: String, expected: [String])
    /// A required member was not in the archive.
    case missingMember(path: String, member: String)
    /// A member's size differs from the known one (or exceeds the limit for a small text file).
    case wrongMemberSize(path: String, member: String, got: Int64, expected: Int64, exact: Bool)
    /// The destination folder exists but does not hold a valid copy; it is left untouched.
    case invalidExistingCopy(path: String, problem: String)
    /// A file-system operation failed.
    case fileSystem(path: String, action: String, reason: String)

    public var description: String {
        switch self {
        case .notFetchable(let name):
            return "\(name.displayName) is not downloaded by bench fetch: it ships in Data/\(name.rawValue)"
                + " of the repository. Datasets bench fetch knows: "
                + DatasetName.allCases.filter { FetchSource.official($0) != nil }.map(\.rawValue)
                .joined(separator: ", ") + "."
        case .noDataDirectory(let currentDirectory):
            return "No data folder: no --data-dir, no \(DatasetLocator.environmentVariable), and no GEMBench"
                + " Package.swift above \(currentDirectory). Pass --data-dir <dir>."
        case .httpStatus(let url, let status):
            return "Download failed: \(url) answered HTTP \(status), expected 200 (or 206 when resuming)."
        case .network(let url, let reason, let partPath, let received):
            if received == 0 {
                return "Download of \(url) failed: \(reason). Run bench fetch again once the host can be reached."
            }
            return "Download of \(url) broke off after \(received) bytes: \(reason). The bytes so far are kept"
                + " in \(partPath); run the same bench fetch again to resume."
        case .wrongDownloadSize(let url, let path, let got, let expected):
            return "Download of \(url) has the wrong size: got \(got) bytes, expected \(expected) (\(path) was"
                + " deleted; run bench fetch again)."
        case .checksumMismatch(let url, let got, let expected):
            return "Checksum mismatch for the download of \(url): MD5 is \(got), expected \(expected) (the digest"
                + " published with the dataset). The file was deleted; nothing was extracted."
        case .corruptArchive(let path, let reason):
            return "Cannot unpack \(path): \(reason) (expected a complete gzip-compressed tar archive)."
                + " Nothing was installed."
        case .unsafeMember(let path, let member, let reason):
            return "Refusing to unpack \(path): member \"\(member)\" \(reason). Nothing was installed."
        case .unexpectedMember(let path, let member, let expected):
            return "Unexpected member \"\(member)\" in \(path); expected only \(expected.joined(separator: ", "))."
                + " Nothing was installed."
        case .missingMember(let path, let member):
            return "Archive \(path) lacks \"\(member)\". Nothing was installed."
        case .wrongMemberSize(let path, let member, let got, let expected, let exact):
            return "Member \"\(member)\" of \(path) is \(got) bytes, expected \(exact ? "" : "at most ")\(expected)."
                + " Nothing was installed."
        case .invalidExistingCopy(let path, let problem):
            return "\(path) exists but is not a valid copy, so bench fetch leaves it alone: \(problem)\n"
                + "  Remove or rename that folder and run bench fetch again."
        case .fileSystem(let path, let action, let reason):
            return "Cannot \(action) \(path): \(reason)."
        }
    }
}
