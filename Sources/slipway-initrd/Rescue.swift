// What happens when the boot cannot go on. The kernel panics if PID 1 exits, and with panic=-1 it
// reboots, so the boot loader would retry the same failure forever without anyone seeing why.
// Instead the error stays on the console: a rescue shell if the initrd has busybox, and the error
// repeated every 10 seconds for as long as the machine runs.
import Glibc

enum Rescue {
    static let shell = "/bin/sh"

    /// Stops the boot: the rescue shell if there is one, then `reminder` every 10 seconds (it prints
    /// the error, which has already been printed once).
    static func stop(repeating reminder: () -> Void) -> Never {
        if System.isExecutable(shell) {
            Console.log("starting rescue shell \(shell); the boot stops when it exits")
            runShell()
        } else {
            Console.log("no rescue shell in this initrd (set rescue-shell: true in the profile for one)")
        }
        while true {
            System.sleep(seconds: 10)
            reapChildren()
            reminder()
        }
    }

    private static func runShell() {
        let child = fork()
        if child == 0 {
            var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("sh"), nil]
            execv(shell, &arguments)
            _exit(127)
        }
        guard child > 0 else {
            Console.error("cannot start the rescue shell: fork: \(System.reason())")
            return
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        Console.log("rescue shell exited")
    }

    private static func reapChildren() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }
}
