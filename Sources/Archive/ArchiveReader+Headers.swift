// The check of each tar member's extended headers (TarHeaderChain) after libarchive has read them:
// from the bytes a StackedInput passed on, or read again by position from an uncompressed file or
// memory. A member with a single header has no extended headers and costs nothing.
internal import CArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension ArchiveReader {
    /// Checks the headers libarchive read between `start` and `end` (positions in the archive's
    /// decompressed stream) for the current member. `followed` is the chain a `StackedInput`
    /// followed as it handed the bytes out: nil for a positional input, `.some(nil)` when the
    /// stacked input missed the chain's beginning.
    func checkHeaders(from start: Int64, to end: Int64, followed: TarHeaderChain??) throws {
        guard end - start > 512, archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_TAR else { return }
        let chain: TarHeaderChain
        switch followed {
        case .some(.some(let stacked)): chain = stacked
        case .some(.none): throw headerFailure("its headers could not be read again to be checked")
        case .none: chain = try reread(from: start, to: end)
        }
        if let problem = chain.problem {
            throw headerFailure(problem + "; tar readers disagree on the name such a header gives, so it is refused")
        }
    }

    /// Feeds the bytes between `start` and `end` of a positional input to a new chain.
    private func reread(from start: Int64, to end: Int64) throws -> TarHeaderChain {
        var chain = TarHeaderChain()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var position = start
        while position < end && !chain.isFinished {
            let window = UnsafeMutableRawBufferPointer(
                rebasing: buffer[..<Int(min(Int64(buffer.count), end - position))])
            guard let count = readAgain(at: position, into: window), count > 0 else {
                throw headerFailure("its headers could not be read again to be checked")
            }
            chain.feed(UnsafeRawBufferPointer(rebasing: window[..<count]))
            position += Int64(count)
        }
        return chain
    }

    /// Bytes at `position` of the input's (uncompressed) stream; nil on an error.
    private func readAgain(at position: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        switch input {
        case .memory(let memory):
            guard position >= 0, position < Int64(memory.count) else { return 0 }
            let count = min(buffer.count, memory.count - Int(position))
            buffer.baseAddress?.copyMemory(from: memory.base + Int(position), byteCount: count)
            return count
        case .range(let range):
            return range.bytes(at: position, into: buffer)
        case .file(let path, _):
            if rereadDescriptor < 0 { rereadDescriptor = open(path, O_RDONLY | O_CLOEXEC) }
            guard rereadDescriptor >= 0 else { return nil }
            while true {
                let count = pread(rereadDescriptor, buffer.baseAddress, buffer.count, off_t(position))
                if count < 0 && errno == EINTR { continue }
                return count < 0 ? nil : count
            }
        case .nested, .stacked:
            return nil
        }
    }

    private func headerFailure(_ message: String) -> ArchiveError {
        ArchiveError(archive: label, operation: "read header of \(current)", message: message)
    }
}
