// Test support: the reference server as a child process, its /dev endpoints, temporary
// directories, small waiting / error-capturing helpers, and the OS and screens the core calls
// back (scripted providers, recording listeners).

import Foundation
import XCTest
import MedCircle

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

struct SupportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh, empty directory under the system temporary directory.
func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("medcircle-swift-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Collects a pipe's output on a background thread (so the child never blocks on a full
/// pipe) and hands out its first line.
private final class FirstLineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    private var firstLine: String?
    private var ended = false
    private let ready = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.append(chunk)
            }
            self.finish()
        }
        thread.name = "reference-server-stdout"
        thread.start()
    }

    private func append(_ chunk: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard firstLine == nil else { return }
        buffer.append(chunk)
        if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            firstLine = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            ready.signal()
        }
    }

    private func finish() {
        lock.lock()
        defer { lock.unlock() }
        ended = true
        if firstLine == nil { ready.signal() }
    }

    /// The first line, or nil if the stream ended or `timeout` passed without one.
    func wait(timeout: TimeInterval) -> String? {
        _ = ready.wait(timeout: .now() + timeout)
        lock.lock()
        defer { lock.unlock() }
        return firstLine
    }
}

/// Records a child's pid in `$MEDCIRCLE_SWIFT_CHILDREN` (a directory run-tests.sh provides),
/// so that servers left behind by a crashed or killed test process are ended by their id.
private func registerChild(_ pid: Int32) {
    guard let directory = ProcessInfo.processInfo.environment["MEDCIRCLE_SWIFT_CHILDREN"],
        !directory.isEmpty
    else { return }
    _ = FileManager.default.createFile(atPath: "\(directory)/\(pid)", contents: nil)
}

/// The reference server (`MEDCIRCLE_SERVER_BIN`) in dev mode on 127.0.0.1, with its own
/// temporary database. Stopped by `stop()` or when released.
final class ReferenceServer: @unchecked Sendable {
    /// Base URL as printed by the server, e.g. `http://127.0.0.1:41234`.
    let baseURL: String
    let directory: URL
    private let process: Process
    private let stdoutReader: FirstLineReader

    init() throws {
        guard let binary = ProcessInfo.processInfo.environment["MEDCIRCLE_SERVER_BIN"],
            !binary.isEmpty
        else {
            throw SupportError("MEDCIRCLE_SERVER_BIN is not set: run the suite through run-tests.sh")
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SupportError("reference server \(binary) is missing or not executable")
        }
        directory = try makeTemporaryDirectory("server")
        let log = directory.appendingPathComponent("server.log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw SupportError("cannot create \(log.path)")
        }

        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--addr", "127.0.0.1:0",
            "--db", directory.appendingPathComponent("server.db").path,
            "--dev",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        stdoutReader = FirstLineReader(stdout.fileHandleForReading)
        registerChild(process.processIdentifier)

        let prefix = "listening on "
        guard let line = stdoutReader.wait(timeout: 30) else {
            Self.stop(process)
            let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw SupportError("reference server printed no first line within 30 s; stderr:\n\(stderr)")
        }
        guard line.hasPrefix(prefix), line.dropFirst(prefix.count).hasPrefix("http://127.0.0.1:") else {
            Self.stop(process)
            throw SupportError("unexpected first line from the reference server: \(line)")
        }
        baseURL = String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() {
        Self.stop(process)
    }

    /// SIGTERM (graceful), then SIGKILL after 5 s. Foundation's `Process` on Linux starts the
    /// child with the signal mask of the calling thread, and Dispatch / Swift-concurrency
    /// threads block SIGTERM: a server started from an async context never sees `terminate()`.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: /dev endpoints

    /// `GET path` on the server, decoded as a JSON object; nil on 404.
    fileprivate func getJSON(_ path: String) async throws -> [String: Any]? {
        guard let url = URL(string: baseURL + path) else { throw SupportError("bad URL \(baseURL + path)") }
        let (data, status) = try await httpGet(url)
        if status == 404 { return nil }
        guard status == 200 else {
            throw SupportError("GET \(path) -> HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SupportError("GET \(path): not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// The last SMS code the server "sent" to `phone` (dev outbox).
    func devOutboxCode(_ phone: String) async throws -> String {
        guard let object = try await getJSON("/dev/sms/outbox?phone=\(phone)") else {
            throw SupportError("no SMS code in the dev outbox for \(phone)")
        }
        guard let code = object["code"] as? String else {
            throw SupportError("dev outbox entry without a code: \(object)")
        }
        return code
    }

    struct RecordedRequest: Equatable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
    }

    /// Every non-/dev request the server received, in arrival order.
    func devRequests() async throws -> [RecordedRequest] {
        guard let object = try await getJSON("/dev/requests"),
            let requests = object["requests"] as? [[String: Any]]
        else {
            throw SupportError("GET /dev/requests: no requests array")
        }
        return try requests.map { entry in
            guard let method = entry["method"] as? String, let path = entry["path"] as? String else {
                throw SupportError("malformed /dev/requests entry: \(entry)")
            }
            return RecordedRequest(method: method, path: path)
        }
    }

    /// `POST path` with `body` as JSON; the 200 reply decoded as a JSON object.
    fileprivate func postJSON(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        guard let url = URL(string: baseURL + path) else { throw SupportError("bad URL \(baseURL + path)") }
        let (data, status) = try await httpPost(url, json: try JSONSerialization.data(withJSONObject: body))
        guard status == 200 else {
            throw SupportError("POST \(path) -> HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SupportError("POST \(path): not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// Moves the server clock forward by `seconds` (`POST /dev/clock/advance`).
    func devAdvanceClock(seconds: Int) async throws {
        _ = try await postJSON("/dev/clock/advance", ["seconds": seconds])
    }

    struct CarrierToken {
        let token: String
        let expiresInS: Int64
    }

    /// Plays the carrier: a signed one-tap token for `phone` on `carrier`, what the carrier's
    /// SDK would yield on a phone with that SIM (`POST /dev/carrier/token`).
    func devCarrierToken(phone: String, carrier: String) async throws -> CarrierToken {
        let object = try await postJSON("/dev/carrier/token", ["phone": phone, "carrier": carrier])
        guard let token = object["token"] as? String, let expiresIn = object["expires_in_s"] as? NSNumber else {
            throw SupportError("POST /dev/carrier/token: no token or expires_in_s in \(object)")
        }
        return CarrierToken(token: token, expiresInS: expiresIn.int64Value)
    }

    /// A web login as the browser gets it when it asks for one (`POST /web/login`).
    struct BrowserWebLogin {
        let id: String
        let payload: String
        let pollToken: String
        let expiresInS: Int64
    }

    /// The account a confirmed web login logged the browser in as.
    struct BrowserSession: Equatable {
        let userId: String
        let nickname: String
    }

    /// What the browser sees polling its web login (`GET /web/login/{id}/status`): "pending",
    /// "scanned", "confirmed" (with `session`), "declined" or "expired".
    struct BrowserWebLoginStatus: Equatable, CustomStringConvertible {
        let status: String
        let session: BrowserSession?
        var description: String {
            session.map { "\(status) as \($0.userId) (\($0.nickname))" } ?? status
        }
    }

    /// Plays the browser on the web login page: asks for a web login, sending `userAgent` as its
    /// `User-Agent` (`POST /web/login`, 201).
    func browserStartWebLogin(userAgent: String) async throws -> BrowserWebLogin {
        guard let url = URL(string: baseURL + "/web/login") else { throw SupportError("bad URL \(baseURL)/web/login") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        request.httpBody = Data()
        request.timeoutInterval = 10
        let (data, status) = try await httpSend(request)
        let text = String(decoding: data, as: UTF8.self)
        guard status == 201 else { throw SupportError("POST /web/login -> HTTP \(status): \(text)") }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let id = object["id"] as? String, let payload = object["payload"] as? String,
            let pollToken = object["poll_token"] as? String, let expiresIn = object["expires_in_s"] as? NSNumber
        else {
            throw SupportError("POST /web/login: no id, payload, poll_token or expires_in_s in \(text)")
        }
        return BrowserWebLogin(id: id, payload: payload, pollToken: pollToken, expiresInS: expiresIn.int64Value)
    }

    /// Plays the browser polling `login` (`GET /web/login/{id}/status?poll=…`).
    func browserWebLoginStatus(_ login: BrowserWebLogin) async throws -> BrowserWebLoginStatus {
        let path = "/web/login/\(login.id)/status?poll=\(login.pollToken)"
        guard let object = try await getJSON(path) else { throw SupportError("GET \(path) -> HTTP 404") }
        guard let status = object["status"] as? String else {
            throw SupportError("GET /web/login/\(login.id)/status: no status in \(object)")
        }
        switch object["session"] {
        case nil:
            return BrowserWebLoginStatus(status: status, session: nil)
        case let session as [String: Any]:
            guard let userId = session["user_id"] as? String, let nickname = session["nickname"] as? String else {
                throw SupportError("GET /web/login/\(login.id)/status: malformed session in \(object)")
            }
            return BrowserWebLoginStatus(status: status, session: BrowserSession(userId: userId, nickname: nickname))
        default:
            throw SupportError("GET /web/login/\(login.id)/status: unexpected session in \(object)")
        }
    }

    /// One device report the server stored for risk control, as `/dev/risk/devices` shows it.
    struct RiskDevice: Equatable, CustomStringConvertible {
        let userId: String
        let model: String
        let os: String
        let osVersion: String
        let appVersion: String
        let networkType: String
        let carrier: String?
        let installId: String
        let receivedAt: Int64
        var description: String {
            "\(userId): \(model), \(os) \(osVersion), app \(appVersion), \(networkType), "
                + "carrier \(carrier ?? "null"), install \(installId), at \(receivedAt)"
        }
    }

    /// Every stored device report, in arrival order (`GET /dev/risk/devices`).
    func devRiskDevices() async throws -> [RiskDevice] {
        guard let object = try await getJSON("/dev/risk/devices"),
            let devices = object["devices"] as? [[String: Any]]
        else {
            throw SupportError("GET /dev/risk/devices: no devices array")
        }
        return try devices.map { entry in
            func string(_ key: String) throws -> String {
                guard let value = entry[key] as? String else {
                    throw SupportError("/dev/risk/devices entry without a string \(key): \(entry)")
                }
                return value
            }
            let carrier: String?
            switch entry["carrier"] {
            case is NSNull: carrier = nil
            case let value as String: carrier = value
            default: throw SupportError("/dev/risk/devices entry with a bad carrier: \(entry)")
            }
            guard let receivedAt = entry["received_at"] as? NSNumber else {
                throw SupportError("/dev/risk/devices entry without received_at: \(entry)")
            }
            return RiskDevice(
                userId: try string("user_id"), model: try string("model"), os: try string("os"),
                osVersion: try string("os_version"), appVersion: try string("app_version"),
                networkType: try string("network_type"), carrier: carrier,
                installId: try string("install_id"), receivedAt: receivedAt.int64Value)
        }
    }
}

// MARK: - The dev OpenID provider and the dev certification reviewer

extension ReferenceServer {
    /// Plays the user at the dev OpenID provider (the test is the browser): opens
    /// `authorizationUrl` signed in as `subject` and returns where the provider sends the
    /// browser back to, the callback URL for the app (the 302's `Location`, not followed).
    func browserAuthorize(_ authorizationUrl: String, subject: String) async throws -> String {
        try await providerRedirect(authorizationUrl, decision: "dev_subject=\(subject)")
    }

    /// Plays the user refusing at the dev OpenID provider: the callback URL, carrying an error.
    func browserDenyAuthorization(_ authorizationUrl: String) async throws -> String {
        try await providerRedirect(authorizationUrl, decision: "dev_decision=deny")
    }

    private func providerRedirect(_ authorizationUrl: String, decision: String) async throws -> String {
        guard authorizationUrl.hasPrefix(baseURL + "/dev/oidc/authorize?") else {
            throw SupportError("not this server's dev provider: \(authorizationUrl)")
        }
        guard let url = URL(string: authorizationUrl + "&" + decision) else {
            throw SupportError("bad URL \(authorizationUrl)&\(decision)")
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        let (data, response) = try await httpSendWithoutRedirects(request)
        guard response.statusCode == 302 else {
            throw SupportError(
                "GET /dev/oidc/authorize (\(decision)) -> HTTP \(response.statusCode): \(String(decoding: data, as: UTF8.self))")
        }
        guard let location = response.value(forHTTPHeaderField: "Location") else {
            throw SupportError("GET /dev/oidc/authorize (\(decision)): a 302 without a Location")
        }
        return location
    }

    /// Plays the reviewer: approves `userId`'s certification, or rejects it for `reason`
    /// (`POST /dev/certification/decide`).
    func devDecideCertification(userId: String, approve: Bool, reason: String? = nil) async throws {
        _ = try await postJSON(
            "/dev/certification/decide",
            ["user_id": userId, "approve": approve, "reason": reason.map { $0 as Any } ?? NSNull()])
    }

    /// One certification as the server holds it (`/dev/certifications`): never the ID number
    /// nor the position, only whether one came with the application.
    struct HeldCertification: Equatable, CustomStringConvertible {
        let userId: String
        let status: String
        let hasLocation: Bool
        let photoCount: Int
        var description: String {
            "\(userId): \(status), \(photoCount) photos, \(hasLocation ? "with" : "without") a position"
        }
    }

    /// Every submitted certification, oldest first (`GET /dev/certifications`).
    func devCertifications() async throws -> [HeldCertification] {
        guard let object = try await getJSON("/dev/certifications"),
            let held = object["certifications"] as? [[String: Any]]
        else {
            throw SupportError("GET /dev/certifications: no certifications array")
        }
        return try held.map { entry in
            guard let userId = entry["user_id"] as? String, let status = entry["status"] as? String,
                let hasLocation = entry["has_location"] as? Bool, let photoCount = entry["photo_count"] as? NSNumber
            else {
                throw SupportError("malformed /dev/certifications entry: \(entry)")
            }
            return HeldCertification(
                userId: userId, status: status, hasLocation: hasLocation, photoCount: photoCount.intValue)
        }
    }
}

// MARK: - Public pages

extension ReferenceServer {
    /// Plays anyone opening a link to `path` on this server in a browser, without a session
    /// (e.g. a share link's `/p/{code}` landing page): the status and the page.
    func browserOpen(_ path: String) async throws -> (status: Int, page: String) {
        guard path.hasPrefix("/"), let url = URL(string: baseURL + path) else {
            throw SupportError("not a path on this server: \(path)")
        }
        let (data, status) = try await httpGet(url)
        return (status, String(decoding: data, as: UTF8.self))
    }
}

private func httpGet(_ url: URL) async throws -> (Data, Int) {
    var request = URLRequest(url: url)
    request.timeoutInterval = 10
    return try await httpSend(request)
}

private func httpPost(_ url: URL, json body: Data) async throws -> (Data, Int) {
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "content-type")
    request.httpBody = body
    request.timeoutInterval = 10
    return try await httpSend(request)
}

private func httpSend(_ request: URLRequest) async throws -> (Data, Int) {
    try await withCheckedThrowingContinuation { continuation in
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else if let http = response as? HTTPURLResponse {
                continuation.resume(returning: (data ?? Data(), http.statusCode))
            } else {
                continuation.resume(
                    throwing: SupportError(
                        "\(request.httpMethod ?? "GET") \(request.url?.absoluteString ?? "?"): no HTTP response"))
            }
        }
        task.resume()
    }
}

/// Refuses every redirect, so that the caller sees the 3xx itself, as a test playing a browser
/// that hands a custom-scheme redirect to an app must.
private final class RefusingRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

private func httpSendWithoutRedirects(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
    let session = URLSession(configuration: .ephemeral, delegate: RefusingRedirects(), delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }
    return try await withCheckedThrowingContinuation { continuation in
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else if let http = response as? HTTPURLResponse {
                continuation.resume(returning: (data ?? Data(), http))
            } else {
                continuation.resume(
                    throwing: SupportError("GET \(request.url?.absoluteString ?? "?"): no HTTP response"))
            }
        }
        task.resume()
    }
}

// MARK: - Client helpers

func devConfig(server: ReferenceServer, dataDir: URL, oauthProviders: [OAuthProviderConfig] = []) -> ClientConfig {
    ClientConfig(
        serverUrl: server.baseURL, dataDir: dataDir.path, dev: true, spkiPins: [], oauthProviders: oauthProviders)
}

/// The dev server's own OpenID provider ("DevID", `{server}/dev/oidc`), registered as a dev
/// build of the app registers it: its one public client and private-use redirect URI.
func devOidcProvider(server: ReferenceServer) -> OAuthProviderConfig {
    OAuthProviderConfig(
        name: "dev", issuer: server.baseURL + "/dev/oidc", clientId: "medcircle-app",
        redirectUri: "com.medcircle.app:/oauth/callback")
}

/// Whether the user has granted `purpose` (`consent.purposes()`).
func granted(_ purpose: ConsentPurpose, in client: MedCircle) throws -> Bool {
    try client.consent().purposes().contains { $0.purpose == purpose && $0.granted }
}

/// The decoded values of `name` in `url`'s query (an authorization or callback URL).
func queryValues(_ url: String, _ name: String) -> [String] {
    guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return [] }
    return query.split(separator: "&", omittingEmptySubsequences: false).compactMap { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        guard key == name else { return nil }
        let value = parts.count > 1 ? String(parts[1]) : ""
        return value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// The one value of `name` in `url`'s query (nil, with a test failure, unless there is exactly one).
func queryValue(_ url: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
    let values = queryValues(url, name)
    guard values.count == 1 else {
        XCTFail("expected one \(name) in \(url), found \(values)", file: file, line: line)
        return nil
    }
    return values[0]
}

/// Fetches the policy and accepts it, as the app does before anything else.
@discardableResult
func acceptPolicy(_ client: MedCircle) async throws -> PolicyDocument {
    let policy = try await client.consent().fetchPolicy()
    let status = try await client.consent().accept(version: policy.version)
    XCTAssertEqual(status.acceptedVersion, policy.version)
    XCTAssertFalse(status.needsAcceptance)
    return policy
}

/// A six-digit code guaranteed to differ from `code`.
func wrongCode(for code: String) -> String {
    let value = Int(code) ?? 0
    return String(format: "%06d", (value + 1) % 1_000_000)
}

/// Runs `body`, which must throw an error of type `E`; returns it (nil, with a test failure,
/// otherwise).
func captureError<T, E: Error>(
    _ errorType: E.Type,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () async throws -> T
) async -> E? {
    do {
        let value = try await body()
        XCTFail("expected \(E.self), got the value \(value)", file: file, line: line)
        return nil
    } catch let error as E {
        return error
    } catch {
        XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
        return nil
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(
    timeout: TimeInterval = 10,
    _ what: @autoclosure () -> String,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ condition: () -> Bool
) async {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline {
            XCTFail("timed out after \(timeout) s waiting for \(what())", file: file, line: line)
            return
        }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
}

/// Records every state the core reports to it.
final class RecordingSessionListener: SessionListener, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [SessionState] = []

    func onUpdate(state: SessionState) {
        lock.lock()
        recorded.append(state)
        lock.unlock()
    }

    var states: [SessionState] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}

/// Collects the core's log lines.
final class CollectingLogSink: LogSink, @unchecked Sendable {
    struct Line {
        let level: LogLevel
        let target: String
        let message: String
    }

    private let lock = NSLock()
    private var collected: [Line] = []

    func log(level: LogLevel, target: String, message: String) {
        lock.lock()
        collected.append(Line(level: level, target: target, message: message))
        lock.unlock()
    }

    var lines: [Line] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}

/// Whether `text` contains the digit string `number` not directly preceded or followed by
/// another digit.
func containsNumber(_ text: String, _ number: String) -> Bool {
    let characters = Array(text)
    let digits = Array(number)
    guard !digits.isEmpty, characters.count >= digits.count else { return false }
    for start in 0...(characters.count - digits.count)
    where Array(characters[start..<(start + digits.count)]) == digits {
        let before = start > 0 ? characters[start - 1] : " "
        let end = start + digits.count
        let after = end < characters.count ? characters[end] : " "
        if !before.isNumber && !after.isNumber { return true }
    }
    return false
}

/// Lines of a /proc file. (Read with stdio: Foundation's `String(contentsOfFile:)` spins on
/// /proc files, whose size reads as 0.)
func procLines(_ path: String) -> [String] {
    guard let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    var lines: [String] = []
    var buffer: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    while getline(&buffer, &capacity, file) > 0, let buffer {
        lines.append(String(cString: buffer).trimmingCharacters(in: .newlines))
    }
    free(buffer)
    return lines
}

/// The client's secrets live in the keyutils session keyring; run-tests.sh starts the tests in
/// a fresh session keyring of their own and names it in MEDCIRCLE_SWIFT_SESSION_KEYRING.
func requireOwnSessionKeyring() throws {
    guard let id = ProcessInfo.processInfo.environment["MEDCIRCLE_SWIFT_SESSION_KEYRING"], !id.isEmpty
    else {
        throw SupportError(
            "MEDCIRCLE_SWIFT_SESSION_KEYRING is not set: run the suite through run-tests.sh, which gives "
                + "it a session keyring of its own (the shared user-session keyring loses keys across threads)")
    }
    let fields = procLines("/proc/keys").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
    guard fields.contains(where: { $0.count > 7 && $0[0] == id && $0[7] == "keyring" }) else {
        throw SupportError("session keyring \(id) (MEDCIRCLE_SWIFT_SESSION_KEYRING) is not in /proc/keys")
    }
}

// MARK: - Permissions

/// The OS permission API, scripted: the one part of the permission flow that cannot exist off
/// a phone. A status per permission (`.notDetermined` unless set), the answer the user gives to
/// the next dialog, and counters of what the core asked. The core calls it from its own
/// threads, so every access goes through the lock.
final class ScriptedPermissionProvider: PermissionProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Permission: PermissionStatus]
    private var nextAnswer: PermissionStatus?
    private var reads: [Permission] = []
    private var shown: [Permission] = []
    private var unscripted = 0

    init(_ statuses: [Permission: PermissionStatus] = [:]) {
        self.statuses = statuses
    }

    func status(permission: Permission) -> PermissionStatus {
        lock.withLock {
            reads.append(permission)
            return statuses[permission] ?? .notDetermined
        }
    }

    /// Shows "the dialog": the user gives the scripted answer, which the OS then reports as
    /// the permission's status. Without a scripted answer the user dismisses it (the test
    /// fails on `unscriptedDialogs`).
    func request(permission: Permission) async -> PermissionStatus {
        lock.withLock {
            shown.append(permission)
            let answer: PermissionStatus
            if let scripted = nextAnswer {
                answer = scripted
                nextAnswer = nil
            } else {
                unscripted += 1
                answer = .notDetermined
            }
            statuses[permission] = answer
            return answer
        }
    }

    /// What the user answers to the next dialog.
    func answerNextDialog(_ answer: PermissionStatus) {
        lock.withLock { nextAnswer = answer }
    }

    /// The OS status changed outside the app (Settings).
    func setStatus(_ status: PermissionStatus, for permission: Permission) {
        lock.withLock { statuses[permission] = status }
    }

    /// Every status read, in order.
    var statusReads: [Permission] { lock.withLock { reads } }
    /// The permission of every dialog shown, in order.
    var dialogs: [Permission] { lock.withLock { shown } }
    var unscriptedDialogs: Int { lock.withLock { unscripted } }
    /// Whether a scripted answer is still waiting for its dialog.
    var answerPending: Bool { lock.withLock { nextAnswer != nil } }
}

/// After a refusal the core does not ask again for 48 hours.
let retryAfterRefusalS: UInt64 = 48 * 3600

/// Asserts `decision` is `.unavailable(.deniedRecently)` for a refusal recorded no earlier than
/// `refusedNotBefore`: the full 48 hours less the whole seconds the clock has moved since (0
/// unless a second boundary passed during the test).
func assertDeniedRecently(
    _ decision: PermissionDecision,
    refusedNotBefore: Date,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath,
    line: UInt = #line
) {
    guard case .unavailable(.deniedRecently(let retryAfterS)) = decision else {
        return XCTFail("expected .deniedRecently, got \(decision) \(message())", file: file, line: line)
    }
    let elapsed = UInt64(max(0, Int64(Date().timeIntervalSince1970) - Int64(refusedNotBefore.timeIntervalSince1970)))
    XCTAssertLessThanOrEqual(retryAfterS, retryAfterRefusalS, message(), file: file, line: line)
    XCTAssertGreaterThanOrEqual(retryAfterS, retryAfterRefusalS - elapsed, message(), file: file, line: line)
}

/// The rationale of a `.showRationale` decision (nil, with a test failure, otherwise).
func rationale(
    _ decision: PermissionDecision,
    file: StaticString = #filePath,
    line: UInt = #line
) -> Rationale? {
    guard case .showRationale(let rationale) = decision else {
        XCTFail("expected .showRationale, got \(decision)", file: file, line: line)
        return nil
    }
    return rationale
}

// MARK: - Device information

/// The OS's device information, scripted: every read answers `info`, and the reads are
/// counted, so a test can tell whether (and how often) the core asked. The core calls it from
/// its own threads, so the count goes through the lock.
final class ScriptedDeviceInfoProvider: DeviceInfoProvider, @unchecked Sendable {
    private let lock = NSLock()
    private let info: DeviceInfo
    private var reads = 0

    init(_ info: DeviceInfo) {
        self.info = info
    }

    func deviceInfo() throws -> DeviceInfo {
        lock.withLock {
            reads += 1
            return info
        }
    }

    /// How many times the core read the device information.
    var calls: Int { lock.withLock { reads } }
}

// MARK: - Recorded callbacks

/// Everything a core callback delivered, in order. The core calls back on its own threads, so
/// every access goes through the lock.
final class Recorded<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []

    func add(_ value: Value) {
        lock.withLock { values.append(value) }
    }

    /// What was delivered so far.
    var all: [Value] { lock.withLock { values } }
}

/// Records every login screen the flow shows it.
final class RecordingLoginListener: LoginListener, @unchecked Sendable {
    let screens = Recorded<LoginScreen>()

    func onScreen(screen: LoginScreen) {
        screens.add(screen)
    }
}

/// Records every certification status it is given.
final class RecordingCertificationListener: CertificationListener, @unchecked Sendable {
    let statuses = Recorded<CertificationStatus>()

    func onStatus(status: CertificationStatus) {
        statuses.add(status)
    }
}

/// Records every progress report of an upload, as (sent, total).
final class RecordingUploadProgress: UploadProgress, @unchecked Sendable {
    struct Report: Equatable, Sendable, CustomStringConvertible {
        let sent: UInt64
        let total: UInt64
        var description: String { "\(sent)/\(total)" }
    }

    let reports = Recorded<Report>()

    func progress(sentBytes: UInt64, totalBytes: UInt64) {
        reports.add(Report(sent: sentBytes, total: totalBytes))
    }
}

// MARK: - Certification

/// A valid mainland ID number (its check character is an X), and how the app may show it.
let validIdNumber = "11010519491231002X"
let maskedIdNumber = "1101**********002X"

/// A certificate photo of `size` bytes: a real 2×2 PNG padded with zero bytes after its end
/// (the server reads the header only), as a camera or picker would hand it to the app.
func certificatePng(size: Int) -> Data {
    let hex =
        "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
        + "0000001049444154789c63f8cfc000440c100a001fee03fd8b5f14d40000000049454e44ae426082"
    var bytes = [UInt8]()
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    precondition(size >= bytes.count, "a PNG needs at least \(bytes.count) bytes")
    bytes.append(contentsOf: [UInt8](repeating: 0, count: size - bytes.count))
    return Data(bytes)
}

/// Applies for certification as the app does for a logged-in user: grants identity
/// verification, uploads one physician certificate photo and submits `validIdNumber`.
@discardableResult
func certify(_ client: MedCircle) async throws -> CertificationStatus {
    _ = try client.consent().grant(purpose: .identityVerification)
    let certification = client.certification()
    let photo = try await certification.uploadPhoto(
        kind: .physician, image: certificatePng(size: 4096), progress: RecordingUploadProgress(),
        cancel: CancelToken())
    return try await certification.submit(idNumber: validIdNumber, photoIds: [photo.photoId])
}

// MARK: - Feed

/// Applies `diffs` to `list` in order, as a feed screen applies them to its rows.
func applyFeedDiffs(_ diffs: [FeedDiff], to list: inout [FeedItem]) {
    for diff in diffs {
        switch diff {
        case .reset(let items): list = items
        case .insert(let index, let item): list.insert(item, at: Int(index))
        case .update(let index, let item): list[Int(index)] = item
        case .remove(let index): list.remove(at: Int(index))
        }
    }
}

/// Plays the feed screen: applies every batch of diffs to its own list and records the batch,
/// the list after it, and every status and notice. The core calls it on its own threads.
final class RecordingFeedListener: FeedListener, @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [FeedItem] = []

    /// Every batch of diffs, in order.
    let diffs = Recorded<[FeedDiff]>()
    /// The list as the screen shows it after each batch.
    let shown = Recorded<[FeedItem]>()
    let statuses = Recorded<FeedStatus>()
    let notices = Recorded<OutboxNotice>()

    func onDiffs(diffs: [FeedDiff]) {
        let after = lock.withLock {
            applyFeedDiffs(diffs, to: &rows)
            return rows
        }
        self.diffs.add(diffs)
        shown.add(after)
    }

    func onStatus(status: FeedStatus) {
        statuses.add(status)
    }

    func onNotice(notice: OutboxNotice) {
        notices.add(notice)
    }

    /// The list as the screen shows it now.
    var items: [FeedItem] { lock.withLock { rows } }

    /// Waits until the list shown satisfies `condition`; returns it.
    func awaitItems(
        _ what: @autoclosure () -> String,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ condition: ([FeedItem]) -> Bool
    ) async -> [FeedItem] {
        var satisfying: [FeedItem]?
        await eventually(what(), file: file, line: line) {
            guard let last = shown.all.last, condition(last) else { return false }
            satisfying = last
            return true
        }
        return satisfying ?? items
    }
}

// MARK: - Location

/// The OS location service, scripted: every reading answers `location`, and the readings are
/// counted, so a test can tell whether the core read the position at all. The core reads it
/// on its own threads, so the count goes through the lock.
final class ScriptedLocationProvider: LocationProvider, @unchecked Sendable {
    private let lock = NSLock()
    private let location: Location
    private var readings = 0

    init(_ location: Location) {
        self.location = location
    }

    func currentLocation() async throws -> Location {
        lock.withLock {
            readings += 1
            return location
        }
    }

    /// How many times the core read the position.
    var reads: Int { lock.withLock { readings } }
}
