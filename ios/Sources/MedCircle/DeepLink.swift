import Foundation

/// A link that opened the app, sorted by what it is for. Only the shape is checked here; what a
/// link carries is checked by the core before anything is sent (a web login's id and version by
/// `Auth.scanWebLogin`).
public enum DeepLink: Equatable, Sendable {
    /// A web login's QR code opened outside the app (by the Camera app, say): pass `payload` to
    /// `Auth.scanWebLogin`, exactly as a code scanned in the app.
    case webLogin(payload: String)
    /// A post's share link (a universal link), `https://<share host>/p/<code>`.
    case sharedPost(code: String)

    /// `url` as one of the app's links (from `onOpenURL` or a universal link's
    /// `NSUserActivity.webpageURL`); `shareHost` is the host share links are made on (the API
    /// server's). Anything else is nil.
    public init?(url: URL, shareHost: String) {
        guard let parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        if parts.scheme == "medcircle", parts.host == "web-login" {
            self = .webLogin(payload: url.absoluteString)
            return
        }
        guard parts.scheme == "https",
              parts.host?.lowercased() == shareHost.lowercased(),
              parts.port == nil, parts.user == nil, parts.query == nil, parts.fragment == nil
        else { return nil }
        let segments = parts.path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 3, segments[0].isEmpty, segments[1] == "p",
              Self.isShareCode(segments[2])
        else { return nil }
        self = .sharedPost(code: String(segments[2]))
    }

    /// Share codes are 12 random bytes, base64url without padding.
    private static func isShareCode(_ code: Substring) -> Bool {
        code.count == 16 && code.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }
}
