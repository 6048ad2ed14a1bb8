// Console output of the initrd: every line says which program wrote it and when, in guest uptime,
// so a boot log shows where the seconds went.
import Glibc

/// Writes initrd log lines to the console (file descriptor 1, which the kernel opened on /dev/console).
enum Console {
    /// `slipway-initrd: [  3.142] message`
    static func log(_ message: String) {
        write("slipway-initrd: [\(uptimeStamp())] \(message)\n")
    }

    /// `slipway-initrd: [  3.142] error: message`
    static func error(_ message: String) {
        write("slipway-initrd: [\(uptimeStamp())] error: \(message)\n")
    }

    /// `slipway-initrd: first boot failed: <source>: <entry>: <reason>`, then any further lines indented.
    static func firstBootFailed(_ failure: FirstBootFailure) {
        write("slipway-initrd: first boot failed: \(failure.summary)\n")
        for detail in failure.details { write("slipway-initrd:   \(detail)\n") }
    }

    /// A line as it is, without the uptime.
    static func line(_ text: String) {
        write(text + "\n")
    }

    /// Seconds since boot, as /proc/uptime counts them. CLOCK_BOOTTIME is the clock behind
    /// /proc/uptime and needs no mounted /proc, so the first lines have a time too.
    static func uptime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Uptime as dmesg shows it, right-aligned with milliseconds: "  3.142".
    static func uptimeStamp() -> String {
        let milliseconds = Int((uptime() * 1000).rounded(.down))
        let seconds = String(milliseconds / 1000)
        let fraction = String(milliseconds % 1000)
        let padding = String(repeating: " ", count: max(0, 3 - seconds.count))
        return padding + seconds + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(1, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
