import Foundation

enum OAuthRedirect {
    /// The scheme a private-use redirect URI (RFC 8252, `com.medcircle.app:/oauth/callback`)
    /// comes back on, which the browser session listens for; nil for any other URI.
    static func callbackScheme(of redirectURI: String) -> String? {
        guard let scheme = URLComponents(string: redirectURI)?.scheme?.lowercased(),
              scheme.contains("."), !["http", "https"].contains(scheme)
        else { return nil }
        return scheme
    }
}
