// How much YAML a file may stand for. Yams shares an anchored node among its aliases, so a few lines
// of nested aliases (9 levels of 9 aliases each) stand for 387 million nodes: anything that walks
// the composed tree (decoding a profile, converting Butane) would run for minutes in gigabytes.
// Profiles and Butane configs have hundreds of nodes; both refuse a tree past this limit before
// walking it.
public import Yams

public enum YAMLLimits {
    /// The most nodes one document may expand to, counting every node an alias repeats.
    public static let maximumNodes = 100_000

    /// The message both readers give for a document past `maximumNodes`.
    public static let message =
        "the YAML expands to more than \(maximumNodes) values, counting each value an alias (*name) "
        + "repeats; write the values out or use fewer, flatter aliases"

    /// The node at which the expansion of `root` passes `maximumNodes`, or nil when it stays within.
    /// Stops there: the walk costs at most `maximumNodes` steps whatever the document stands for.
    public static func nodePastTheLimit(in root: Node) -> Node? {
        var remaining = maximumNodes
        var pending = [root]
        while let node = pending.popLast() {
            remaining -= 1
            if remaining < 0 { return node }
            switch node {
            case .scalar, .alias: break
            case .sequence(let sequence): pending.append(contentsOf: sequence.reversed())
            case .mapping(let mapping):
                for (key, value) in mapping.reversed() { pending += [value, key] }
            }
        }
        return nil
    }
}
