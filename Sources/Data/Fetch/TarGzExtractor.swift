import CArchive
import Foundation
import Glibc

/// Unpacks a dataset's `.tar.gz` with libarchive, writing only the members its `ArchiveLayout`
/// names. Everything else is refused before anything is written for it: absolute paths, `..`,
/// links, devices, FIFOs, unknown names, duplicates, and members larger than their known size
/// (so a forged header cannot make it write without bound).
enum TarGzExtractor {
    /// Writes the members of `layout` found in `archivePath` into `directory` (which must exist),
    /// without their top folder. Returns the names written. On error, files already written stay
    /// in `directory`: the caller unpacks into a temporary folder and removes it.
    static func extract(_ archivePath: String, layout: ArchiveLayout, into directory: String) throws -> [String] {
        guard let reader = archive_read_new() else {
            throw FetchError.corruptArchive(path: archivePath, reason: "libarchive could not allocate a reader")
        }
        defer { archive_read_free(reader) }
        archive_read_support_filter_gzip(reader)
        archive_read_support_format_tar(reader)  // ustar, GNU tar and pax headers
        func failure() -> FetchError {
            .corruptArchive(
                path: archivePath,
                reason: archive_error_string(reader).map { String(cString: $0) }
                    ?? "libarchive error \(archive_errno(reader))")
        }
        guard archive_read_open_filename(reader, archivePath, 1 << 16) == ARCHIVE_OK else { throw failure() }

        var written: [String] = []
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK, let entry else { throw failure() }
            // A plain (uncompressed) tar would also be read through libarchive's pass-through filter.
            guard archive_filter_code(reader, 0) == ARCHIVE_FILTER_GZIP else {
                throw FetchError.corruptArchive(path: archivePath, reason: "it is not gzip-compressed")
            }
            let rawName = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
            guard let name = try member(rawName, entry, layout, archivePath) else { continue }  // the top folder
            guard !written.contains(name) else {
                throw FetchError.unsafeMember(path: archivePath, member: rawName, reason: "appears twice")
            }
            let size = archive_entry_size(entry)
            if let exact = layout.required[name], size != exact {
                throw FetchError.wrongMemberSize(
                    path: archivePath, member: rawName, got: size, expected: exact,
                    exact: true)
            }
            if let limit = layout.optional[name], size > limit {
                throw FetchError.wrongMemberSize(
                    path: archivePath, member: rawName, got: size, expected: limit,
                    exact: false)
            }
            try copyData(of: reader, size: size, to: join(directory, name), archivePath: archivePath, failure)
            written.append(name)
        }
        for name in layout.required.keys.sorted() where !written.contains(name) {
            throw FetchError.missingMember(path: archivePath, member: layout.folder + "/" + name)
        }
        return written
    }

    /// The name inside the top folder of a member that may be written, nil for the top folder
    /// itself; throws for anything else.
    private static func member(
        _ rawName: String, _ entry: OpaquePointer, _ layout: ArchiveLayout,
        _ archivePath: String
    ) throws -> String? {
        var name = rawName
        while name.hasPrefix("./") { name.removeFirst(2) }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        if name.hasPrefix("/") {
            throw FetchError.unsafeMember(path: archivePath, member: rawName, reason: "has an absolute path")
        }
        if parts.contains("..") {
            throw FetchError.unsafeMember(path: archivePath, member: rawName, reason: "climbs out with \"..\"")
        }
        let type = UInt32(archive_entry_filetype(entry))
        if archive_entry_hardlink(entry) != nil || archive_entry_symlink(entry) != nil {
            throw FetchError.unsafeMember(path: archivePath, member: rawName, reason: "is a link")
        }
        if type == gembench_ae_ifdir() {
            if parts == [Substring(layout.folder)] { return nil }
        } else if type != gembench_ae_ifreg() {
            throw FetchError.unsafeMember(
                path: archivePath, member: rawName,
                reason: "is not a regular file (type \(String(type, radix: 8)))")
        } else if parts.count == 2, parts[0] == layout.folder {
            let inner = String(parts[1])
            if layout.required[inner] != nil || layout.optional[inner] != nil { return inner }
        }
        throw FetchError.unexpectedMember(path: archivePath, member: rawName, expected: layout.memberNames)
    }

    /// Copies the current member's data into a new file at `path` (never over an existing one).
    private static func copyData(
        of reader: OpaquePointer, size: Int64, to path: String, archivePath: String,
        _ failure: () -> FetchError
    ) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FetchError.fileSystem(path: path, action: "create", reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { archive_read_data(reader, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw failure() }
            total += Int64(count)
            guard total <= size else {  // the header's size is the bound (checked against the layout)
                throw FetchError.wrongMemberSize(
                    path: archivePath, member: path, got: total, expected: size, exact: true)
            }
            try buffer.withUnsafeBytes { try writeAll(fd, $0.baseAddress!, count, path) }
        }
        guard total == size else { throw failure() }
    }

    static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int, _ path: String) throws {
        var done = 0
        while done < count {
            let n = write(fd, base + done, count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw FetchError.fileSystem(path: path, action: "write", reason: String(cString: strerror(errno)))
            }
            done += n
        }
    }
}
