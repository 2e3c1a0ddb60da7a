#if canImport(os)
import Foundation
import os

/// The core's log lines in the unified log (Console, `log stream`), as public text: the core
/// redacts them before they leave it (no phone numbers, codes, tokens or positions).
public final class OSLogSink: LogSink, @unchecked Sendable {
    private let logger: Logger

    /// A sink writing under `subsystem` (the app's bundle identifier by default) and `category`.
    public init(subsystem: String = Bundle.main.bundleIdentifier ?? "com.medcircle", category: String = "core") {
        logger = Logger(subsystem: subsystem, category: category)
    }

    /// Writes one line, already redacted by the core, at the matching log type.
    public func log(level: LogLevel, target: String, message: String) {
        logger.log(level: OSLogType(level), "\(target, privacy: .public): \(message, privacy: .public)")
    }

    /// Sends the core's lines at `maxLevel` and more severe to the unified log.
    public static func install(maxLevel: LogLevel = .info) {
        setLogger(sink: OSLogSink(), maxLevel: maxLevel)
    }
}

extension OSLogType {
    init(_ level: LogLevel) {
        switch level {
        case .error: self = .error
        case .warn: self = .default
        case .info: self = .info
        case .debug, .trace: self = .debug
        }
    }
}
#endif
