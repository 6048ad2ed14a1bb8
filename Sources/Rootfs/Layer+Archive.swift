// Reading a layer from an archive: every member's name is validated, whiteouts are recognised,
// and regular files' data goes to the content store (or, for uncompressed tar files that stay in
// place, is referenced where it lies).
import Archive

extension Layer {
    /// Reads every member of `reader` into a layer named `label`.
    /// - Parameter referenceInPlace: reference the data of an uncompressed tar's members in the
    ///   archive file itself instead of copying it into the store. Only for archives that stay
    ///   unchanged until the image is written (profile inputs, image blobs), never temporary files.
    static func read(
        from reader: ArchiveReader, label: String, store: ContentStore, limits: RootfsLimits, referenceInPlace: Bool
    ) throws -> Layer {
        var layer = Layer(label: label)
        let writer = ContentWriter(store: store, layer: label, maximumFileSize: limits.maximumFileSize)
        while let member = try archiveStep(label, { try reader.next() }) {
            guard layer.entries.count < limits.maximumEntriesPerLayer else {
                throw RootfsError(
                    layer: label, entry: member.path, rule: .tooManyEntries(limit: limits.maximumEntriesPerLayer))
            }
            let path = try TreePath.validated(member.path, layer: label)
            if let (change, target) = try Whiteout.classify(path, raw: member.path, layer: label) {
                layer.entries.append(LayerEntry(path: target, raw: member.path, change: change))
                continue
            }
            if member.type == .hardlink {
                let raw = member.linkTarget ?? ""
                let target: [String]
                do {
                    target = try TreePath.validated(raw, layer: label)
                } catch let error as RootfsError {
                    // The entry at fault is the link; its target is what broke the rule.
                    throw RootfsError(
                        layer: label, entry: member.path,
                        rule: .invalidHardlinkTarget(target: raw, reason: error.rule.description))
                }
                if path.isEmpty { throw RootfsError(layer: label, entry: member.path, rule: .rootNotDirectory) }
                layer.entries.append(
                    LayerEntry(path: path, raw: member.path, change: .hardlink(target: target, raw: raw)))
                continue
            }
            let kind = try nodeKind(
                of: member, reader: reader, label: label, writer: writer, referenceInPlace: referenceInPlace,
                limits: limits)
            if path.isEmpty, kind != .directory {
                throw RootfsError(layer: label, entry: member.path, rule: .rootNotDirectory)
            }
            // Linux ignores a symbolic link's mode and creates every link 0777; ext4, the OCI
            // reference unpackers and every peer store that, whatever the tar header says.
            let metadata = Metadata(
                permissions: member.type == .symlink ? 0o777 : member.permissions, uid: member.uid, gid: member.gid,
                modificationTime: member.modificationTime,
                xattrs: member.xattrs.map { ExtendedAttribute(name: $0.name, value: $0.value) })
            layer.entries.append(LayerEntry(path: path, raw: member.path, change: .node(kind, metadata)))
        }
        try writer.flush()
        return layer
    }

    private static func nodeKind(
        of member: ArchiveEntry, reader: ArchiveReader, label: String, writer: ContentWriter,
        referenceInPlace: Bool, limits: RootfsLimits
    ) throws -> NodeKind {
        switch member.type {
        case .regular:
            guard member.size <= limits.maximumFileSize else {
                throw RootfsError(
                    layer: label, entry: member.path,
                    rule: .fileTooLarge(size: member.size, limit: limits.maximumFileSize))
            }
            if member.size == 0 { return .regular(.empty) }
            if referenceInPlace, let location = reader.currentDataLocation {
                return .regular(.file(path: location.path, offset: location.offset, length: member.size))
            }
            let content = try writer.store(size: member.size, entry: member.path) { sink in
                try archiveStep(label) { try reader.forEachBlock(sink) }
            }
            return .regular(content)
        case .directory: return .directory
        case .symlink:
            let target = member.linkTarget ?? ""
            try LayerEntry.checkLinkTarget(target, raw: member.path, layer: label)
            return .symlink(target: target)
        case .characterDevice: return .characterDevice(major: member.deviceMajor, minor: member.deviceMinor)
        case .blockDevice: return .blockDevice(major: member.deviceMajor, minor: member.deviceMinor)
        case .fifo: return .fifo
        case .socket: return .socket
        case .hardlink: return .regular(.empty)  // handled by the caller before this point
        }
    }
}

/// Runs one archive operation, turning an `ArchiveError` into the layer's `RootfsError`.
func archiveStep<T>(_ label: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ArchiveError {
        throw RootfsError(layer: label, rule: .archive(operation: error.operation, message: error.message))
    }
}
