import Foundation

/// The 512-byte header ("seal") at the start of every run file, in HDF5's user block,
/// which HDF5 and h5py skip. It names the file as a GEMBench run, its schema version,
/// the length and a 64-bit hash of everything after it:
///
///     GEMBench run file
///     schema_version 1
///     content_bytes 123456
///     content_hash gembench64:0123456789abcdef
///
/// libhdf5 does not check every byte it parses (the global heap that holds strings has
/// no checksum) and can crash on a damaged file. So `RunFile` verifies the seal before
/// libhdf5 sees a byte: truncated, damaged, foreign and non-HDF5 files are rejected with
/// a clear error. Run files are write-once: modifying one (even with h5py in "r+" mode)
/// breaks the seal.
enum RunFileSeal {
    static let size = 512
    static let magic = "GEMBench run file\n"
    /// The first line of a run summary (`RunFile.writeSummary`).
    static let summaryMagic = "GEMBench run summary\n"

    /// Whether the file at `url` begins with `magic` (false when it cannot be read).
    static func startsWith(_ magic: String, _ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: magic.utf8.count)) ?? Data()
        return head.elementsEqual(magic.utf8)
    }

    struct Header: Equatable {
        var schemaVersion: Int64
        var contentBytes: Int
        var contentHash: UInt64
    }

    /// Writes the header into the first `size` bytes of a file image (made with a
    /// `size`-byte user block). `path` names the file in errors.
    /// `magic` is the first line: `RunFileSeal.magic`, or `CheckpointFile.magic` for checkpoints.
    static func seal(_ image: inout [UInt8], magic: String = magic, schemaVersion: Int64, path: String) throws {
        guard image.count > size else { throw RunFileError.io(path: path, reason: "file too short to seal") }
        let content = image.count - size
        let hash = image.withUnsafeBytes { hash64(UnsafeRawBufferPointer(rebasing: $0[size...])) }
        let text = Array(
            (magic + "schema_version \(schemaVersion)\ncontent_bytes \(content)\n"
                + "content_hash gembench64:\(hex(hash))\n").utf8)
        image.replaceSubrange(0..<size, with: text + [UInt8](repeating: 0, count: size - text.count))
    }

    /// Checks the header against the file's bytes; throws the reason it is not a sound run file.
    static func verify(_ url: URL, magic: String = magic, schemaVersion: Int64 = RunFile.schemaVersion) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            var isFolder: ObjCBool = false
            let reason =
                !FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
                ? "no such file"
                : isFolder.boolValue ? "a folder, not a file" : "cannot read it (\(error.localizedDescription))"
            throw RunFileError.io(path: url.path, reason: reason)
        }
        let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        guard data.count >= magic.utf8.count, data.prefix(magic.utf8.count).elementsEqual(magic.utf8) else {
            if data.starts(with: "GEMBench ".utf8) {  // the other kind: a run file or a checkpoint
                let firstLine = String(decoding: data.prefix(64).prefix { $0 != 0x0a }, as: UTF8.self)
                throw RunFileError.notARunFile(path: url.path, reason: "its header says '\(firstLine)'")
            }
            if data.prefix(8).elementsEqual(hdf5Signature) {
                throw RunFileError.notARunFile(path: url.path, reason: "an HDF5 file without a GEMBench header")
            }
            throw RunFileError.notARunFile(path: url.path, reason: "not an HDF5 file")
        }
        guard data.count >= size, let header = parse(data.prefix(size)) else {
            throw RunFileError.damaged(path: url.path, reason: "unreadable GEMBench header")
        }
        guard header.schemaVersion == schemaVersion else {
            throw RunFileError.schemaVersion(path: url.path, found: header.schemaVersion, expected: schemaVersion)
        }
        let content = data.count - size
        guard content == header.contentBytes else {
            throw RunFileError.damaged(
                path: url.path,
                reason: content < header.contentBytes
                    ? "truncated: \(content) of \(header.contentBytes) bytes after the header"
                    : "\(content - header.contentBytes) bytes more than written")
        }
        let hash = data.withUnsafeBytes { hash64(UnsafeRawBufferPointer(rebasing: $0[size...])) }
        guard hash == header.contentHash else {
            throw RunFileError.damaged(path: url.path, reason: "content hash mismatch (bytes changed since written)")
        }
        try data.withUnsafeBytes { try GlobalHeapCheck.verify($0, path: url.path) }
    }

    static func parse(_ bytes: Data) -> Header? {
        let text = String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let version = fields["schema_version"].flatMap({ Int64($0) }),
            let bytes = fields["content_bytes"].flatMap({ Int($0) }),
            let hashText = fields["content_hash"], hashText.hasPrefix("gembench64:"),
            let hash = UInt64(hashText.dropFirst("gembench64:".count), radix: 16)
        else { return nil }
        return Header(schemaVersion: version, contentBytes: bytes, contentHash: hash)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A fast non-cryptographic 64-bit hash (8-byte words, multiply-rotate mixing); it
    /// detects accidental damage, not tampering.
    static func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let k1: UInt64 = 0x9E37_79B9_7F4A_7C15
        let k2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        var h: UInt64 = 0x5147_4742_454E_4348 ^ UInt64(bytes.count)
        let words = bytes.count / 8
        var i = 0
        while i < words {
            let w = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))
            h = (h ^ (w &* k1))
            h = ((h << 27) | (h >> 37)) &* k2
            i &+= 1
        }
        var j = words * 8
        while j < bytes.count {
            h = (h ^ UInt64(bytes[j])) &* k1
            j &+= 1
        }
        h ^= h >> 33
        h = h &* k2
        h ^= h >> 29
        return h
    }
}
