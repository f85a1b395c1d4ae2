import CZlib
import Foundation

/// gzip decompression into memory through zlib's `inflate` (windowBits 16 + MAX_WBITS, so only
/// gzip-wrapped streams are accepted; zlib's `gzread` would pass a non-gzip file through unchanged).
public enum Gzip {
    /// Reads the whole file at `path` and returns its decompressed bytes.
    public static func decompressFile(atPath path: String) throws -> [UInt8] {
        let compressed = try readFile(atPath: path)
        return try compressed.withUnsafeBytes { try decompress($0, path: path) }
    }

    /// Decompresses one gzip stream (or several concatenated gzip members, as `gzip` allows).
    /// `path` names the source in error messages.
    public static func decompress(_ input: UnsafeRawBufferPointer, path: String) throws -> [UInt8] {
        guard input.count >= 2, input[0] == 0x1f, input[1] == 0x8b else {
            throw DatasetError.notGzip(path: path, firstBytes: Array(input.prefix(4)))
        }
        guard input.count <= Int(UInt32.max) else {
            throw DatasetError.decompressionFailed(path: path, reason: "compressed file larger than 4 GiB")
        }
        var output = [UInt8](repeating: 0, count: initialCapacity(for: input))
        var produced = 0
        var stream = z_stream()
        var status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DatasetError.decompressionFailed(path: path, reason: "zlib inflateInit2 failed (status \(status))")
        }
        defer { inflateEnd(&stream) }
        // zlib never writes through next_in; the mutable pointer is only its C signature.
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)

        while true {
            if produced == output.count {
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            status = output.withUnsafeMutableBufferPointer { buffer in
                let room = min(buffer.count - produced, Int(UInt32.max))
                stream.next_out = buffer.baseAddress! + produced
                stream.avail_out = uInt(room)
                let result = inflate(&stream, Z_NO_FLUSH)
                produced += room - Int(stream.avail_out)
                return result
            }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let remaining = Int(stream.avail_in)
                if remaining == 0 {
                    output.removeSubrange(produced...)
                    return output
                }
                // Another gzip member follows (as `cat a.gz b.gz` makes); anything else is garbage.
                let offset = input.count - remaining
                guard remaining >= 2, input[offset] == 0x1f, input[offset + 1] == 0x8b else {
                    throw DatasetError.decompressionFailed(
                        path: path, reason: "\(remaining) bytes of trailing garbage after the gzip stream")
                }
                guard inflateReset(&stream) == Z_OK else {
                    throw DatasetError.decompressionFailed(path: path, reason: "zlib inflateReset failed")
                }
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw DatasetError.decompressionFailed(
                    path: path, reason: "compressed data ends early (the file is truncated after \(input.count) bytes)")
            case Z_DATA_ERROR:
                let detail = stream.msg.map { String(cString: $0) } ?? "invalid data"
                throw DatasetError.decompressionFailed(path: path, reason: "corrupt compressed data (zlib: \(detail))")
            case Z_MEM_ERROR:
                throw DatasetError.decompressionFailed(path: path, reason: "zlib ran out of memory")
            default:
                throw DatasetError.decompressionFailed(path: path, reason: "zlib inflate failed (status \(status))")
            }
        }
    }

    /// The gzip trailer's ISIZE (uncompressed size mod 2^32) sizes the buffer in one go for a
    /// single-member file; it is only a hint, clamped to deflate's maximum ratio (about 1032:1).
    private static func initialCapacity(for input: UnsafeRawBufferPointer) -> Int {
        let n = input.count
        guard n >= 18 else { return 4096 }
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return max(4096, min(isize, n * 1032))
    }

    static func readFile(atPath path: String) throws -> Foundation.Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.missingFile(path: path, dataset: nil, searched: [])
        }
        guard !isDirectory.boolValue else {
            throw DatasetError.unreadableFile(path: path, reason: "it is a directory")
        }
        do {
            return try Foundation.Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.unreadableFile(path: path, reason: error.localizedDescription)
        }
    }
}
