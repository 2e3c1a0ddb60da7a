#if canImport(UIKit) && canImport(AVFoundation) && canImport(CoreLocation)
import AVFoundation
import CoreLocation

/// The OS permission API for the core's permission gate: register one at start
/// (`client.permissions().setProvider(provider: ApplePermissions())`). The core decides when to
/// ask (after its rationale, never twice within 48 hours of a refusal); this tells it what iOS
/// says and shows iOS's dialog. iOS asks once: after a refusal only Settings can change it, so a
/// refusal is `.deniedPermanently`. Photos need no permission: the app picks them with
/// `PHPickerViewController`, so the answer is `.granted` and no dialog is shown.
public final class ApplePermissions: PermissionProvider, @unchecked Sendable {
    /// A provider; register it with `permissions().setProvider(provider:)`.
    public init() {}

    /// Where `permission` stands now, read without asking the user.
    public func status(permission: Permission) throws -> PermissionStatus {
        switch permission {
        case .camera: return PermissionStatus(AVCaptureDevice.authorizationStatus(for: .video))
        case .photos: return .granted
        case .location: return PermissionStatus(CLLocationManager().authorizationStatus)
        }
    }

    /// Shows the system's dialog for `permission` (the core asks only after its rationale) and
    /// returns the answer.
    public func request(permission: Permission) async throws -> PermissionStatus {
        switch permission {
        case .camera:
            _ = await AVCaptureDevice.requestAccess(for: .video)
            return PermissionStatus(AVCaptureDevice.authorizationStatus(for: .video))
        case .photos:
            return .granted
        case .location:
            return PermissionStatus(await LocationAuthorization().request())
        }
    }
}

extension PermissionStatus {
    init(_ status: AVAuthorizationStatus) {
        switch status {
        case .authorized: self = .granted
        case .notDetermined: self = .notDetermined
        case .denied: self = .deniedPermanently
        case .restricted: self = .restricted
        @unknown default: self = .denied
        }
    }

    init(_ status: CLAuthorizationStatus) {
        switch status {
        case .authorizedAlways, .authorizedWhenInUse: self = .granted
        case .notDetermined: self = .notDetermined
        case .denied: self = .deniedPermanently
        case .restricted: self = .restricted
        @unknown default: self = .denied
        }
    }
}

/// One "while in use" location dialog: Core Location answers through its delegate, on the main
/// thread where the manager was made.
@MainActor
private final class LocationAuthorization: NSObject, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private var answer: CheckedContinuation<CLAuthorizationStatus, Never>?

    func request() async -> CLAuthorizationStatus {
        guard manager.authorizationStatus == .notDetermined else { return manager.authorizationStatus }
        return await withCheckedContinuation { continuation in
            answer = continuation
            manager.delegate = self
            manager.requestWhenInUseAuthorization()
        }
    }

    nonisolated func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        MainActor.assumeIsolated {
            let status = manager.authorizationStatus
            guard status != .notDetermined, let answer else { return }
            self.answer = nil
            answer.resume(returning: status)
        }
    }
}
#endif
