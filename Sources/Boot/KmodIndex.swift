// kmod's binary index files (modules.dep.bin, modules.alias.bin, modules.builtin.bin ...): modprobe
// from kmod reads only these, never the text modules.dep, so a root without them cannot modprobe.
//
// Format (kmod libkmod-index, version 2.1), all integers big-endian:
//
//   header   u32 magic 0xB007F457 · u32 version 0x00020001 · u32 root node reference
//   node     [prefix: bytes, NUL]                              if reference & 0x80000000
//            [first: u8, last: u8, child refs: u32 × (last − first + 1)]   if reference & 0x20000000
//            [count: u32, (priority: u32, value: bytes, NUL) × count]      if reference & 0x40000000
//
// A reference is the node's file offset (low 28 bits) with those flag bits. The nodes form a trie over
// the keys: a lookup matches the node's prefix, then the next key byte picks a child (0 = none), until
// the key ends at a node whose first value is the answer. Children are written before their parent.

/// A kmod index: keys mapped to prioritized string values, serialized as kmod reads it.
struct KmodIndex {
    private final class TrieNode {
        var children: [UInt8: TrieNode] = [:]
        var values: [(priority: UInt32, value: String)] = []
    }

    private let root = TrieNode()

    static let magic: UInt32 = 0xB007_F457
    static let version: UInt32 = 0x0002_0001
    static let prefixFlag: UInt32 = 0x8000_0000
    static let valuesFlag: UInt32 = 0x4000_0000
    static let childrenFlag: UInt32 = 0x2000_0000

    /// Adds `value` under `key`. Values of one key are kept ordered by priority (lowest first), and an
    /// identical value is stored once.
    func insert(key: String, value: String, priority: UInt32) {
        var node = root
        for byte in key.utf8 {
            if let next = node.children[byte] {
                node = next
            } else {
                let next = TrieNode()
                node.children[byte] = next
                node = next
            }
        }
        guard !node.values.contains(where: { $0.value == value }) else { return }
        let position = node.values.firstIndex { $0.priority > priority } ?? node.values.count
        node.values.insert((priority, value), at: position)
    }

    /// The index file's bytes.
    func serialized() -> [UInt8] {
        var output: [UInt8] = []
        append(Self.magic, to: &output)
        append(Self.version, to: &output)
        append(0, to: &output)
        let rootReference = write(root, into: &output)
        let bytes = Self.bigEndian(rootReference)
        output.replaceSubrange(8..<12, with: bytes)
        return output
    }

    /// Writes `start` (and below it) in post-order; returns its reference. A chain of nodes with one
    /// child and no values is folded into one node's prefix.
    private func write(_ start: TrieNode, into output: inout [UInt8]) -> UInt32 {
        var prefix: [UInt8] = []
        var node = start
        while node.values.isEmpty, node.children.count == 1, let (byte, child) = node.children.first {
            prefix.append(byte)
            node = child
        }
        let keys = node.children.keys.sorted()
        var childReferences: [UInt32] = []
        if let first = keys.first, let last = keys.last {
            childReferences = [UInt32](repeating: 0, count: Int(last - first) + 1)
            for byte in keys {
                guard let child = node.children[byte] else { continue }
                childReferences[Int(byte - first)] = write(child, into: &output)
            }
        }
        var reference = UInt32(output.count)
        if !prefix.isEmpty {
            output += prefix + [0]
            reference |= Self.prefixFlag
        }
        if let first = keys.first, let last = keys.last {
            output += [first, last]
            for child in childReferences { append(child, to: &output) }
            reference |= Self.childrenFlag
        }
        if !node.values.isEmpty {
            append(UInt32(node.values.count), to: &output)
            for (priority, value) in node.values {
                append(priority, to: &output)
                output += Array(value.utf8) + [0]
            }
            reference |= Self.valuesFlag
        }
        return reference
    }

    private func append(_ value: UInt32, to output: inout [UInt8]) { output += Self.bigEndian(value) }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// An alias the way depmod stores it and modprobe looks it up: "-" written "_" except inside
    /// a [...] character class.
    static func normalizedAlias(_ alias: String) -> String {
        var inClass = false
        return String(
            alias.map { character -> Character in
                if character == "[" { inClass = true }
                if character == "]" { inClass = false }
                return character == "-" && !inClass ? "_" : character
            })
    }
}
