// The first-boot configuration step: where the Ignition-compatible processor will run, with the new
// root mounted and writable where it must be (/etc through its overlay, /var, /home).

enum FirstBootHook {
    /// Runs once, on the boot that created STATE's layout, before the switch to the system's init.
    /// A failure here stops the boot (the layout marker is not written, so the next boot retries).
    static func run(root: String) throws {
        Console.log("first boot: no config processor in this build")
    }
}
