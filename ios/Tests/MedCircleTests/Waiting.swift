import Foundation

// Waiting for what the core does on its own threads, with a limit: a test that waits in vain
// fails instead of hanging. Support.swift (shared with tests/swift) brings the reference server
// and the ServerTestCase fixture.

/// Waits for `condition`, checking between short pauses, until `seconds` have passed. The
/// condition is checked on the caller's actor (a model's state on the main actor).
func eventually(
    within seconds: Double = 20, isolation: isolated (any Actor)? = #isolation, _ condition: () -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { throw TimedOut() }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}

/// The first element of `stream` that satisfies `condition` (any, by default), or a failure
/// after `seconds`.
func first<S: AsyncSequence & Sendable>(
    of stream: S, within seconds: Double = 20, where condition: @escaping @Sendable (S.Element) -> Bool = { _ in true }
) async throws -> S.Element
where S.Element: Sendable {
    try await withThrowingTaskGroup(of: S.Element?.self) { group in
        group.addTask { try await stream.first(where: condition) }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        guard let element = try await group.next() ?? nil else { throw TimedOut() }
        return element
    }
}

/// Waits for `task` to end, or fails after `seconds`.
func ended(_ task: Task<Void, Never>, within seconds: Double = 20) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await task.value }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        try await group.next()
    }
}

struct TimedOut: Error {}
