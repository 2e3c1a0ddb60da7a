#if canImport(UIKit) && canImport(AVFoundation)
import AVFoundation

/// Scan-to-login's camera: the back camera's QR codes as they are seen, for
/// `Auth.scanWebLogin`, which decides whether one is a login code at all. Start it only after
/// the permission gate allowed `Feature.scanToLogin`; show `session` with an
/// `AVCaptureVideoPreviewLayer`.
public final class QRScanner: NSObject, AVCaptureMetadataOutputObjectsDelegate, @unchecked Sendable {
    /// The capture session, to show in an `AVCaptureVideoPreviewLayer`.
    public let session = AVCaptureSession()
    /// Each code's text; only the newest is kept while the reader is busy.
    public let codes: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    /// Starting and stopping a session blocks: never on the main thread.
    private let queue = DispatchQueue(label: "com.medcircle.qr-scanner")

    /// A scanner, not yet running.
    public override init() {
        (codes, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        super.init()
    }

    /// Starts the back camera and reading QR codes; throws when there is no camera that can.
    public func start() throws {
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back) else {
            throw ProviderError.Failed(detail: "no back camera")
        }
        let input = try AVCaptureDeviceInput(device: camera)
        let output = AVCaptureMetadataOutput()
        session.beginConfiguration()
        guard session.canAddInput(input), session.canAddOutput(output) else {
            session.commitConfiguration()
            throw ProviderError.Failed(detail: "the camera cannot read codes")
        }
        session.addInput(input)
        session.addOutput(output)
        output.setMetadataObjectsDelegate(self, queue: queue)
        output.metadataObjectTypes = [.qr]
        session.commitConfiguration()
        queue.async { self.session.startRunning() }
    }

    /// Stops the camera and ends `codes`.
    public func stop() {
        queue.async { self.session.stopRunning() }
        continuation.finish()
    }

    /// AVFoundation's callback: each QR code read goes to `codes`.
    public func metadataOutput(
        _ output: AVCaptureMetadataOutput,
        didOutput metadataObjects: [AVMetadataObject],
        from connection: AVCaptureConnection
    ) {
        for case let code as AVMetadataMachineReadableCodeObject in metadataObjects where code.type == .qr {
            if let text = code.stringValue { continuation.yield(text) }
        }
    }
}
#endif
