import Foundation

/// Bytes sent so far out of the total, reported on one of the core's threads.
public typealias UploadProgressHandler = @Sendable (_ sentBytes: UInt64, _ totalBytes: UInt64) -> Void

extension Feed {
    /// Publishes a post; cancelling the calling task stops its photos' upload (the call then
    /// throws `FeedError.Cancelled`). Everything else the core finishes even when its caller's
    /// task is cancelled; an upload is what a user cancels.
    public func publish(
        text: String,
        photos: [Data],
        progress: @escaping UploadProgressHandler = { _, _ in }
    ) async throws -> FeedItem {
        let token = CancelToken()
        return try await cancelling(token) {
            try await publish(text: text, photos: photos, progress: ProgressForwarder(progress), cancel: token)
        }
    }
}

extension Certification {
    /// Uploads a certificate photo; cancelling the calling task stops the upload.
    public func uploadPhoto(
        kind: CertificateKind,
        image: Data,
        progress: @escaping UploadProgressHandler = { _, _ in }
    ) async throws -> CertificatePhoto {
        let token = CancelToken()
        return try await cancelling(token) {
            try await uploadPhoto(kind: kind, image: image, progress: ProgressForwarder(progress), cancel: token)
        }
    }
}

/// Runs `body`; when the calling task is cancelled meanwhile (or already was), `token` is
/// cancelled: the generated glue never cancels the core's work, the token does.
func cancelling<T>(_ token: CancelToken, _ body: () async throws -> T) async rethrows -> T {
    try await withTaskCancellationHandler(operation: body, onCancel: { token.cancel() })
}

private final class ProgressForwarder: UploadProgress {
    private let handler: UploadProgressHandler

    init(_ handler: @escaping UploadProgressHandler) {
        self.handler = handler
    }

    func progress(sentBytes: UInt64, totalBytes: UInt64) {
        handler(sentBytes, totalBytes)
    }
}
