import MedCircle
import SwiftUI

/// The sample app: the privacy policy until it is accepted, then SMS login while nobody is
/// logged in and the live feed while someone is. Every rule is the core's; these views only
/// show the layer's models (`ConsentModel`, `LoginModel`, `SessionModel`, `FeedModel`).
@main
struct MedCircleSampleApp: App {
    var body: some Scene {
        WindowGroup { OpeningView() }
    }
}

/// Opens the client once, then hands it on.
struct OpeningView: View {
    @State private var client: MedCircleClient?
    @State private var failure: Error?

    var body: some View {
        if let client {
            AppView(client: client)
        } else if let failure {
            Text("The app cannot open its data: \(String(describing: failure))").padding()
        } else {
            ProgressView().task {
                do {
                    client = try await MedCircleClient.open(serverURL: Self.serverURL, dev: Self.dev)
                    client?.permissions().setProvider(provider: ApplePermissions())
                } catch {
                    failure = error
                }
            }
        }
    }

    /// Info.plist's `MedCircleServerURL`, e.g. `http://127.0.0.1:8080` for the reference server
    /// (`--dev`) from the simulator.
    static let serverURL = (Bundle.main.object(forInfoDictionaryKey: "MedCircleServerURL") as? String)
        .flatMap(URL.init(string:)) ?? URL(string: "https://api.medcircle.example")!

    /// A debug build may use plain http to a loopback server; a release build only https.
    #if DEBUG
    static let dev = true
    #else
    static let dev = false
    #endif
}

/// The policy first; then the login or the feed, as the session says.
struct AppView: View {
    let client: MedCircleClient
    @State private var consent: ConsentModel
    @State private var session: SessionModel

    init(client: MedCircleClient) {
        self.client = client
        _consent = State(initialValue: ConsentModel(consent: client.consent()))
        _session = State(initialValue: SessionModel(auth: client.auth()))
    }

    /// Why the server ended the session, for the login screen that follows.
    private var endReason: EndReason? {
        if case .ended(_, _, let reason) = session.state { return reason }
        return nil
    }

    var body: some View {
        switch consent.needsAcceptance {
        case true?:
            ConsentView(model: consent)
        case false?:
            Group {
                if case .loggedIn = session.state {
                    FeedView(feed: client.feed(), auth: client.auth())
                } else {
                    LoginView(login: client.auth().loginFlow(), ended: endReason)
                }
            }
            .task { await session.follow() }
        case nil:
            if let error = consent.lastError {
                VStack {
                    Text(String(describing: error))
                    Button("Try again") { Task { await consent.load() } }
                }
            } else {
                ProgressView().task { await consent.load() }
            }
        }
    }
}
