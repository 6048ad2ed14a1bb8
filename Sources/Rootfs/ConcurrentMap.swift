// Work spread over the processors with results kept in input order, for reading layers and
// verifying packages.
import Dispatch
import Foundation

/// `map` over up to one item per processor at a time, results in input order; the first error
/// in input order is thrown.
public enum ConcurrentMap {
    public static func run<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], _ transform: @Sendable (Input) throws -> Output
    ) throws -> [Output] {
        let results = ResultSlots<Output>(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            results.set(index, Result { try transform(inputs[index]) })
        }
        return try results.values()
    }
}

/// Result slots written from several threads.
private final class ResultSlots<Output>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Output, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Output, any Error>) { lock.withLock { slots[index] = result } }

    func values() throws -> [Output] {
        try lock.withLock { slots }.map { slot in
            guard let slot else {
                throw RootfsError(
                    layer: "concurrent read", rule: .io(operation: "collect", path: "", message: "a result is missing"))
            }
            return try slot.get()
        }
    }
}
