import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Machine {
    /// Forwards everything read from `descriptor` (usually standard input) to the serial console, on a
    /// background thread, until end of file or until the machine ends.
    ///
    /// When `descriptor` is a terminal it is switched to raw input (no line editing, no local echo, Return
    /// sends a carriage return) for as long as the returned value lives; call `restore()` on it to switch
    /// back sooner. Ctrl-C still raises SIGINT.
    public func forwardInput(from descriptor: Int32) -> TerminalMode {
        let mode = TerminalMode(rawInput: descriptor)
        Thread.detachNewThread { [weak self] in
            var chunk = [UInt8](repeating: 0, count: 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0, let machine = self, machine.exit == nil else { return }
                do {
                    try machine.writeConsole(Data(chunk[..<count]))
                } catch {
                    return
                }
            }
        }
        return mode
    }
}

/// A terminal switched to raw input, and the settings to put back.
public final class TerminalMode: @unchecked Sendable {
    private let descriptor: Int32
    private var saved: termios?
    private let lock = NSLock()

    init(rawInput descriptor: Int32) {
        self.descriptor = descriptor
        guard isatty(descriptor) == 1 else { return }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { return }
        saved = settings
        // Keep ISIG so Ctrl-C interrupts slipway; hand every other key to the guest as typed.
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
        settings.c_iflag &= ~tcflag_t(ICRNL | IXON)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(descriptor, TCSANOW, &settings)
    }

    deinit { restore() }

    /// Puts the terminal back as it was. Safe to call more than once.
    public func restore() {
        lock.lock()
        defer { lock.unlock() }
        guard var settings = saved else { return }
        tcsetattr(descriptor, TCSANOW, &settings)
        saved = nil
    }
}
