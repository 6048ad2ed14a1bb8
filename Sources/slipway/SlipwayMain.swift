import Commands

/// The executable only hands over to the command tree in the Commands module.
@main
enum SlipwayMain {
    static func main() async { await Slipway.main() }
}
