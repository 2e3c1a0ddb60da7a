#if canImport(UIKit) && canImport(CoreLocation)
import CoreLocation

/// One location fix from Core Location, for the core, which asks only when positioning is on,
/// consented and allowed. None within `timeout` is a failure the core treats as "no position"
/// (the application goes on without one). Updates stop when the fix arrives, the time is up or
/// the caller gives up.
public final class AppleLocation: LocationProvider, @unchecked Sendable {
    private let timeout: Duration

    /// A provider that gives up on a fix after `timeout`.
    public init(timeout: Duration = .seconds(15)) {
        self.timeout = timeout
    }

    /// One fix, or `ProviderError.Failed` saying why not; called by the core only when
    /// positioning allows.
    public func currentLocation() async throws -> Location {
        let timeout = self.timeout
        let fix = try await withThrowingTaskGroup(of: CLLocation?.self) { group in
            group.addTask {
                for try await update in CLLocationUpdate.liveUpdates() {
                    if let location = update.location { return location }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let fix else { throw ProviderError.Failed(detail: "no location fix within \(timeout)") }
        guard fix.horizontalAccuracy >= 0 else { throw ProviderError.Failed(detail: "the fix has no accuracy") }
        return Location(
            latitude: fix.coordinate.latitude,
            longitude: fix.coordinate.longitude,
            accuracyM: fix.horizontalAccuracy
        )
    }
}
#endif
