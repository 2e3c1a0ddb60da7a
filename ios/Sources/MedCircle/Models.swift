import Foundation
import Observation

/// The session for SwiftUI: `state` follows the core while `follow()` runs, typically in a
/// view's `.task { await session.follow() }`, which cancels it with the view.
@available(iOS 17.0, macOS 14.0, *)
@MainActor
@Observable
public final class SessionModel {
    /// Who is logged in; current from the start.
    public private(set) var state: SessionState

    @ObservationIgnored private let auth: Auth

    public init(auth: Auth) {
        self.auth = auth
        state = auth.sessionState()
    }

    /// Follows the session until the calling task is cancelled.
    public func follow() async {
        for await state in auth.sessionStates() {
            self.state = state
        }
    }
}

/// The feed for SwiftUI: the live list and its status while `follow()` runs, and the actions a
/// feed screen offers. An action's failure is kept in `lastError` for the view to show.
@available(iOS 17.0, macOS 14.0, *)
@MainActor
@Observable
public final class FeedModel {
    /// The list, diffs applied; empty until the cache arrives (right after `follow()` starts).
    public private(set) var items: [FeedItem] = []
    /// Offline, end reached, what waits in the outbox, notices; nil until the core reports.
    public private(set) var status: FeedStatus?
    /// Bytes sent and total of the upload in progress, if any.
    public private(set) var upload: (sent: UInt64, total: UInt64)?
    public var lastError: Error?

    @ObservationIgnored private let feed: Feed

    public init(feed: Feed) {
        self.feed = feed
    }

    /// Follows the list and the status until the calling task is cancelled (or the list and
    /// the core diverge, which ends it with `lastError` set).
    public func follow() async {
        // Not awaited: leaving this scope cancels the status stream along with the list's.
        async let _ = followStatus()
        do {
            for try await items in feed.items() {
                self.items = items
            }
        } catch {
            lastError = error
        }
    }

    private func followStatus() async {
        for await status in feed.statuses() {
            self.status = status
        }
    }

    /// Asks the server for the first page (the cache shows meanwhile).
    public func refresh() async {
        await attempt { _ = try await feed.refresh() }
    }

    public func loadMore() async {
        await attempt { _ = try await feed.loadMore() }
    }

    public func setLiked(_ post: Post, _ liked: Bool) async {
        await attempt { _ = try await feed.setLiked(postId: post.id, liked: liked) }
    }

    /// Publishes a post; it shows at once as sending. Cancelling the calling task stops the
    /// photos' upload.
    public func publish(text: String, photos: [Data]) async {
        upload = (0, 0)
        defer { upload = nil }
        await attempt {
            _ = try await feed.publish(text: text, photos: photos) { sent, total in
                Task { @MainActor [weak self] in
                    if self?.upload != nil { self?.upload = (sent, total) }
                }
            }
        }
    }

    public func dismissNotices() {
        feed.dismissNotices()
    }

    private func attempt(_ action: () async throws -> Void) async {
        do {
            try await action()
            lastError = nil
        } catch {
            lastError = error
        }
    }
}
