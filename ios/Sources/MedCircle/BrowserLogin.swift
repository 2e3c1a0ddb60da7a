#if canImport(AuthenticationServices) && canImport(UIKit)
import AuthenticationServices
import UIKit

/// Third-party login's browser hand-off: `ASWebAuthenticationSession` opens the authorization
/// URL the core returned (`LoginStep.providerAuthorization`) in the system browser's sheet and
/// returns the URL the provider redirected to (send it as `LoginEvent.providerCallback`), or nil
/// when the user closed the sheet. Cancelling the calling task closes the sheet. The core checks
/// the redirect (state, PKCE, the registered redirect URI); this only carries it back.
@MainActor
public final class BrowserLogin: NSObject, ASWebAuthenticationPresentationContextProviding {
    private let anchor: ASPresentationAnchor
    private var session: ASWebAuthenticationSession?

    /// `anchor`: the window the sheet is presented over.
    public init(anchor: ASPresentationAnchor) {
        self.anchor = anchor
    }

    /// Opens `url` (the core's authorization URL) in the sheet and returns the redirect to
    /// `redirectURI`, or nil when the user closed the sheet. Cancelling the task closes it.
    public func authorize(url: URL, redirectURI: String) async throws -> URL? {
        guard let scheme = OAuthRedirect.callbackScheme(of: redirectURI) else {
            throw ProviderError.Failed(detail: "the redirect URI has no private-use scheme")
        }
        defer { session = nil }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let started = ASWebAuthenticationSession(url: url, callbackURLScheme: scheme) { callback, error in
                    if let callback {
                        continuation.resume(returning: callback)
                    } else if let error = error as? ASWebAuthenticationSessionError, error.code == .canceledLogin {
                        continuation.resume(returning: nil)
                    } else {
                        continuation.resume(throwing: error ?? ProviderError.Failed(detail: "no redirect"))
                    }
                }
                started.presentationContextProvider = self
                self.session = started
                if !started.start() {
                    continuation.resume(throwing: ProviderError.Failed(detail: "the browser session did not start"))
                }
            }
        } onCancel: {
            Task { @MainActor [weak self] in self?.session?.cancel() }
        }
    }

    /// The window given at creation.
    public nonisolated func presentationAnchor(for session: ASWebAuthenticationSession) -> ASPresentationAnchor {
        MainActor.assumeIsolated { anchor }
    }
}
#endif
