// Every observable of the core as an AsyncStream. Each iteration runs one core observer: the
// first element is the current state, then every change. When the iterating task is cancelled,
// or the stream is dropped, the observer's TaskHandle is cancelled and released, so the core
// ends its task and lets go of the listener.

extension Auth {
    /// Who is logged in: the current state, then every login, logout and profile change.
    public func sessionStates() -> AsyncStream<SessionState> {
        .observing { observeSession(listener: Forwarder($0)) }
    }
}

extension Login {
    /// What this login screen shows: the current screen, then one per change.
    public func screens() -> AsyncStream<LoginScreen> {
        .observing { observeScreen(listener: Forwarder($0)) }
    }
}

extension Feed {
    /// The feed's changes as the core sends them: a reset with the cached list, then diffs
    /// (for a list that animates inserts, updates and removals).
    public func diffs() -> AsyncStream<[FeedDiff]> {
        .observing { observeItems(listener: Forwarder($0)) }
    }

    /// The feed's items with the diffs applied: the cached list, then the whole list after
    /// every change. It fails only if the list and the core's diffs diverge.
    public func items() -> AsyncThrowingStream<[FeedItem], Error> {
        let diffs = diffs()
        return AsyncThrowingStream { continuation in
            let applying = Task {
                var items: [FeedItem] = []
                for await batch in diffs {
                    do {
                        items = try items.applying(batch)
                        continuation.yield(items)
                    } catch {
                        continuation.finish(throwing: error)
                        return
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in applying.cancel() }
        }
    }

    /// Where the feed stands: offline, end reached, what waits in the outbox, notices.
    public func statuses() -> AsyncStream<FeedStatus> {
        .observing { observeStatus(listener: Forwarder($0)) }
    }
}

extension Certification {
    /// The certification's review: the last known status, then every change.
    public func statuses() -> AsyncStream<CertificationStatus> {
        .observing { observeStatus(listener: Forwarder($0)) }
    }
}

extension Security {
    /// The security notices, newest first, with the unread count and the update prompt: the
    /// kept notices, then every change (a refresh, a notice marked read, a logout).
    public func noticeUpdates() -> AsyncStream<SecurityNotices> {
        .observing { observeNotices(listener: Forwarder($0)) }
    }
}

extension Mall {
    /// The redemption orders, newest first: the kept ones, then every change (a redemption, a
    /// cancellation, a refresh that brings a shipment or a delivery).
    public func redemptionUpdates() -> AsyncStream<[Redemption]> {
        .observing { observeRedemptions(listener: Forwarder($0)) }
    }
}

extension Help {
    /// The help center's tickets, newest first, with the unread replies and the feedback
    /// waiting: the kept tickets, then every change (a refresh, feedback sent, a ticket read,
    /// a logout).
    public func ticketUpdates() -> AsyncStream<HelpTickets> {
        .observing { observeTickets(listener: Forwarder($0)) }
    }
}

extension AsyncStream where Element: Sendable {
    /// A stream over one core observer, which `register` starts with a listener that yields
    /// each value. Unbounded: the core calls the listener on its own threads, which must never
    /// wait for a slow reader, and no value may be dropped (the feed's diffs only make sense
    /// all of them, in order).
    static func observing(_ register: (@escaping @Sendable (Element) -> Void) -> TaskHandle) -> AsyncStream<Element> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let handle = register { continuation.yield($0) }
            continuation.onTermination = { _ in handle.cancel() }
        }
    }
}

/// One listener class for every listener protocol: it hands each value on.
final class Forwarder<Value: Sendable>: Sendable {
    private let deliver: @Sendable (Value) -> Void

    init(_ deliver: @escaping @Sendable (Value) -> Void) {
        self.deliver = deliver
    }

    fileprivate func forward(_ value: Value) {
        deliver(value)
    }
}

extension Forwarder: SessionListener where Value == SessionState {
    func onUpdate(state: SessionState) { forward(state) }
}

extension Forwarder: LoginScreenListener where Value == LoginScreen {
    func onUpdate(screen: LoginScreen) { forward(screen) }
}

extension Forwarder: FeedListener where Value == [FeedDiff] {
    func onUpdate(diffs: [FeedDiff]) { forward(diffs) }
}

extension Forwarder: FeedStatusListener where Value == FeedStatus {
    func onUpdate(status: FeedStatus) { forward(status) }
}

extension Forwarder: CertificationStatusListener where Value == CertificationStatus {
    func onUpdate(status: CertificationStatus) { forward(status) }
}

extension Forwarder: SecurityNoticesListener where Value == SecurityNotices {
    func onUpdate(notices: SecurityNotices) { forward(notices) }
}

extension Forwarder: RedemptionsListener where Value == [Redemption] {
    func onUpdate(redemptions: [Redemption]) { forward(redemptions) }
}

extension Forwarder: HelpTicketsListener where Value == HelpTickets {
    func onUpdate(tickets: HelpTickets) { forward(tickets) }
}
