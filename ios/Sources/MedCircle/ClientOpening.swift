import Foundation

extension MedCircleClient {
    /// Where the databases live: Application Support/MedCircle, created if needed and, on Apple
    /// platforms, excluded from backups: an encrypted database is useless without its Keychain
    /// key, which stays on this device.
    public static func dataDirectory() throws -> URL {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        var directory = support.appendingPathComponent("MedCircle", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        #if canImport(Darwin)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try directory.setResourceValues(values)
        #endif
        return directory
    }

    /// Opens the client with its data in `dataDirectory()` and registers the providers that
    /// need nothing from the app: device information (read after a login, for risk control) and,
    /// where Core Location exists, one location fix (read only as positioning allows). Register
    /// an `ApplePermissions` yourself (`permissions().setProvider(provider:)`).
    ///
    /// - Parameters:
    ///   - serverURL: the API's base URL; `https` unless `dev`.
    ///   - spkiPins: certificate pins (base64 SHA-256 of a SubjectPublicKeyInfo), a backup pin
    ///     with the live one; empty: the system of trust alone.
    ///   - oauthProviders: the OpenID Connect providers offered for third-party login.
    ///   - dev: a development build: plain `http` is allowed, and only to a loopback server (the
    ///     reference server, from the simulator). Never in a release build.
    public static func open(
        serverURL: URL,
        spkiPins: [String] = [],
        oauthProviders: [OAuthProviderConfig] = [],
        dev: Bool = false
    ) async throws -> MedCircleClient {
        let client = try await open(config: ClientConfig(
            serverUrl: serverURL.absoluteString,
            dataDir: try dataDirectory().path,
            dev: dev,
            spkiPins: spkiPins,
            oauthProviders: oauthProviders
        ))
        client.auth().setDeviceInfoProvider(provider: DeviceInformation())
        #if canImport(CoreLocation) && canImport(UIKit)
        client.permissions().setLocationProvider(provider: AppleLocation())
        #endif
        return client
    }
}
