import Foundation

/// Checks the global heap collections of a sealed run file before libhdf5 reads them.
///
/// Variable-length strings (every string attribute of a run file) live in HDF5's global
/// heap, the one metadata structure of the 1.8 file format without a checksum. libhdf5 walks
/// a collection's objects by their stored sizes without checking them against the
/// collection, so a damaged size makes it copy far past its buffer (a segfault, seen in
/// `bench show` on edited files that were sealed again). The seal catches accidental damage;
/// this check catches the rest before libhdf5 sees it.
///
/// Layout (HDF5 file format specification, "Global Heap Collection"; lengths are 8 bytes in
/// run files): "GCOL", version 1, 3 reserved bytes, the collection size (including this
/// 16-byte header); then objects, each a 16-byte header (index: 2 bytes, reference count:
/// 2, reserved: 4, size: 8) and its data padded to 8 bytes; object 0 is the free space,
/// whose size counts its own header.
enum GlobalHeapCheck {
    static let signature: [UInt8] = Array("GCOL".utf8) + [1]

    /// Throws `RunFileError.damaged` naming the first collection whose objects do not fit it.
    static func verify(_ bytes: UnsafeRawBufferPointer, path: String) throws {
        var start = 0
        while let offset = find(signature, in: bytes, from: start) {
            try verifyCollection(at: offset, in: bytes, path: path)
            start = offset + 1
        }
    }

    private static func verifyCollection(at start: Int, in bytes: UnsafeRawBufferPointer, path: String) throws {
        func damaged(_ what: String) -> RunFileError {
            .damaged(path: path, reason: "global heap collection at byte \(start): \(what)")
        }
        guard start + 16 <= bytes.count else { throw damaged("truncated header") }
        let size = load(bytes, start + 8)
        guard size >= 16, size <= UInt64(bytes.count - start) else {
            throw damaged("size \(size) does not fit the file")
        }
        let end = start + Int(size)
        var position = start + 16
        while position + 16 <= end {
            let index = UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
            let objectSize = load(bytes, position + 8)
            let room = UInt64(end - position)
            if index == 0 {  // the free space, to the end of the collection
                guard objectSize <= room else { throw damaged("free space of \(objectSize) bytes, \(room) left") }
                return
            }
            guard objectSize <= room - 16 else {
                throw damaged("object \(index) of \(objectSize) bytes, \(room - 16) left")
            }
            position += 16 + (Int(objectSize) + 7) / 8 * 8
        }
    }

    private static func load(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The first offset ≥ `start` of `needle` (memchr for its first byte: this module is built
    /// unoptimised, and run files reach tens of megabytes).
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = start
        while offset + needle.count <= bytes.count {
            guard let hit = memchr(base + offset, Int32(needle[0]), bytes.count - needle.count + 1 - offset) else {
                return nil
            }
            offset = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + offset, needle, needle.count) == 0 { return offset }
            offset += 1
        }
        return nil
    }
}
