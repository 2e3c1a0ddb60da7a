import Foundation
#if canImport(Network)
import Network
#endif

/// The device information the data inventory declares for risk control (`device_info`): the
/// hardware model identifier (`iPhone15,2`), the operating system and its version, the app's
/// version and the network type. Nothing else: no identifier, nothing behind a permission.
/// The carrier's name is not read: iOS no longer tells it (CTCarrier answers placeholders since
/// iOS 16). The core reads this after a login, on its own threads, so nothing here touches
/// UIKit (main-thread only).
public final class DeviceInformation: DeviceInfoProvider, @unchecked Sendable {
    #if canImport(Network)
    private let monitor = NWPathMonitor()
    private let lock = NSLock()
    private var path: NWPath?
    #endif

    /// A provider; it starts following the network path at once.
    public init() {
        #if canImport(Network)
        monitor.pathUpdateHandler = { [weak self] path in
            guard let self else { return }
            lock.withLock { self.path = path }
        }
        monitor.start(queue: DispatchQueue(label: "com.medcircle.network-type"))
        #endif
    }

    deinit {
        #if canImport(Network)
        monitor.cancel()
        #endif
    }

    /// The inventory's `device_info` as the device reports it now; called by the core after a
    /// login.
    public func deviceInfo() throws -> DeviceInfo {
        DeviceInfo(
            model: Self.machine(),
            os: Self.os,
            osVersion: Self.osVersion(ProcessInfo.processInfo.operatingSystemVersion),
            appVersion: Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? "",
            networkType: networkType(),
            carrier: nil
        )
    }

    private func networkType() -> NetworkType {
        #if canImport(Network)
        guard let path = lock.withLock({ self.path }) else { return .unknown }
        guard path.status == .satisfied else { return .none }
        if path.usesInterfaceType(.wifi) { return .wifi }
        if path.usesInterfaceType(.cellular) { return .cellular }
        if path.usesInterfaceType(.wiredEthernet) { return .ethernet }
        return .unknown
        #else
        return .unknown
        #endif
    }

    static var os: DeviceOs {
        #if os(iOS)
        return .ios
        #elseif os(Linux)
        return .linux
        #else
        return .other
        #endif
    }

    /// The hardware's model identifier (`uname`'s machine): `iPhone15,2` on a phone.
    static func machine() -> String {
        var system = utsname()
        uname(&system)
        return withUnsafeBytes(of: &system.machine) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    static func osVersion(_ version: OperatingSystemVersion) -> String {
        version.patchVersion == 0
            ? "\(version.majorVersion).\(version.minorVersion)"
            : "\(version.majorVersion).\(version.minorVersion).\(version.patchVersion)"
    }
}
