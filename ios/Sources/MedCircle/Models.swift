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

    /// A model over `auth` (`client.auth()`), holding the session as it is now.
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
public final class FeedModel: KeepsLastError {
    /// The list, diffs applied; empty until the cache arrives (right after `follow()` starts).
    public private(set) var items: [FeedItem] = []
    /// Offline, end reached, what waits in the outbox, notices; nil until the core reports.
    public private(set) var status: FeedStatus?
    /// Bytes sent and total of the upload in progress, if any.
    public private(set) var upload: (sent: UInt64, total: UInt64)?
    /// Why the last action failed; nil after one succeeds.
    public var lastError: Error?

    @ObservationIgnored private let feed: Feed

    /// A model over `feed` (`client.feed()`); it shows nothing until `follow()` runs.
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

    /// Asks the server for the next page, appended to the list.
    public func loadMore() async {
        await attempt { _ = try await feed.loadMore() }
    }

    /// Likes `post`, or takes the like back; offline, it waits in the outbox.
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

    /// Clears the notices of actions the server refused for good, once the user has seen them.
    public func dismissNotices() {
        feed.dismissNotices()
    }

}

/// The privacy policy for SwiftUI: whether the user must accept it, the document to show, and
/// the acceptance. The core sends nothing but the policy's own requests before `accept()`.
@available(iOS 17.0, macOS 14.0, *)
@MainActor
@Observable
public final class ConsentModel: KeepsLastError {
    /// Whether the newest version known is still to be accepted; nil until `load()` has read it.
    public private(set) var needsAcceptance: Bool?
    /// The policy to show, fetched by `load()` when it needs acceptance.
    public private(set) var policy: PolicyDocument?
    /// Why the last step failed (offline, …); nil after one succeeds.
    public var lastError: Error?

    @ObservationIgnored private let consent: Consent

    /// A model over `consent` (`client.consent()`); it knows nothing until `load()`.
    public init(consent: Consent) {
        self.consent = consent
    }

    /// Reads whether the policy is accepted (from this device) and, when it is not, fetches it.
    public func load() async {
        await attempt {
            let status = try await consent.status()
            if status.needsAcceptance {
                policy = try await consent.fetchPolicy()
            }
            needsAcceptance = status.needsAcceptance
        }
    }

    /// Accepts the policy `load()` fetched.
    public func accept() async {
        guard let policy else { return }
        await attempt {
            needsAcceptance = try await consent.accept(version: policy.version).needsAcceptance
        }
    }
}

/// A login screen for SwiftUI: `screen` follows the core's login flow while `follow()` runs
/// (`.task { await login.follow() }`); `send(_:)` passes on what the user did. The flow decides
/// every step: this only shows it.
@available(iOS 17.0, macOS 14.0, *)
@MainActor
@Observable
public final class LoginModel {
    /// What to show: the step, whether a request is in flight, the last event's error.
    public private(set) var screen: LoginScreen

    @ObservationIgnored private let login: Login

    /// A model over one login flow (`client.auth().loginFlow()`), at its current screen.
    public init(login: Login) {
        self.login = login
        screen = login.screen()
    }

    /// Follows the flow's screens until the calling task is cancelled.
    public func follow() async {
        for await screen in login.screens() {
            self.screen = screen
        }
    }

    /// Sends one event (a phone number, a code, `.back`, …) and shows the screen it leads to.
    /// The event runs to its end in the core even if the calling task is cancelled.
    @discardableResult
    public func send(_ event: LoginEvent) async -> LoginScreen {
        let next = await login.send(event: event)
        screen = next
        return next
    }
}

/// The security notices for SwiftUI (a badge, the notices screen): the notices, the unread
/// count and the update prompt follow the core while `follow()` runs. Its own model, not part
/// of `SessionModel`: a session screen and a badge live and stop apart, and each follows only
/// what it shows.
@available(iOS 17.0, macOS 14.0, *)
@MainActor
@Observable
public final class SecurityNoticesModel: KeepsLastError {
    /// Newest first; empty until the kept notices arrive (right after `follow()` starts).
    public private(set) var notices: [SecurityNotice] = []
    /// What the badge shows, as the core counts it.
    public private(set) var unread: UInt32 = 0
    /// The minimum version when this build is below it: show an update prompt.
    public private(set) var updateRequired: String?
    /// Why the last action failed; nil after one succeeds.
    public var lastError: Error?

    @ObservationIgnored private let security: Security

    /// A model over `security` (`client.security()`); it shows nothing until `follow()` runs.
    public init(security: Security) {
        self.security = security
    }

    /// Follows the notices until the calling task is cancelled.
    public func follow() async {
        for await update in security.noticeUpdates() {
            notices = update.notices
            unread = update.unread
            updateRequired = update.updateRequired
        }
    }

    /// Asks the server for new notices; what arrives reaches the model through `follow()`.
    public func refresh() async {
        await attempt { _ = try await security.refreshNotices() }
    }

    /// The user has read this notice.
    public func markRead(_ notice: SecurityNotice) async {
        await attempt { _ = try await security.markNoticeRead(id: notice.id) }
    }
}

/// A model whose actions keep their failure for the view to show.
@MainActor
protocol KeepsLastError: AnyObject {
    var lastError: Error? { get set }
}

extension KeepsLastError {
    func attempt(_ action: () async throws -> Void) async {
        do {
            try await action()
            lastError = nil
        } catch {
            lastError = error
        }
    }
}
