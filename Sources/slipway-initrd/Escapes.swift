// Kernel and udev text escapes a byte as a marker and fixed-width digits: mountinfo writes space,
// tab, newline and backslash as `\ooo` (octal), udev's /dev/disk/by-* names use `\xHH` (hex).

enum Escapes {
    /// `text` with every `marker` followed by `width` digits of `radix` replaced by that byte.
    static func decode(_ text: String, marker: String, width: Int, radix: Int) -> String {
        guard text.contains(marker) else { return text }
        let bytes = Array(text.utf8), prefix = Array(marker.utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let end = index + prefix.count + width
            if end <= bytes.count, bytes[index..<index + prefix.count].elementsEqual(prefix),
                let value = UInt8(String(decoding: bytes[(index + prefix.count)..<end], as: UTF8.self), radix: radix)
            {
                result.append(value)
                index = end
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `\ooo` as /proc/self/mountinfo writes it.
    static func mountinfo(_ field: String) -> String { decode(field, marker: "\\", width: 3, radix: 8) }

    /// `\xHH` as udev writes it in /dev/disk/by-* names.
    static func udev(_ name: String) -> String { decode(name, marker: "\\x", width: 2, radix: 16) }
}
