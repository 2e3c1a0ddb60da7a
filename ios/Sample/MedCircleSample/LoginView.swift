import MedCircle
import SwiftUI

/// SMS login, drawn from the core's login flow: each screen says the step, whether a request
/// is in flight and the last error; the buttons send the user's actions as events.
struct LoginView: View {
    @State private var model: LoginModel
    @State private var phone = ""
    @State private var code = ""

    /// Why the server ended the last session, if it did: said at the start.
    let ended: EndReason?

    init(login: Login, ended: EndReason? = nil) {
        _model = State(initialValue: LoginModel(login: login))
        self.ended = ended
    }

    var body: some View {
        Form {
            switch model.screen.step {
            case .start:
                if let ended {
                    Text(Self.describe(ended))
                }
                Section("Log in with your mobile number") {
                    TextField("Mobile number", text: $phone).keyboardType(.phonePad)
                    Button("Send code") { send(.requestSmsCode(phone: phone)) }
                }
            case .enterSmsCode(let phoneMasked, _, _):
                Section("Enter the code sent to \(phoneMasked)") {
                    TextField("Code", text: $code).keyboardType(.numberPad)
                    Button("Log in") { send(.submitSmsCode(code: code)) }
                    Button("Back") { send(.back) }
                }
            case .loggedIn(let user):
                Text("Welcome, \(user.nickname).")
            default:
                // Other ways in (one-tap, providers) are not part of this sample.
                Button("Back") { send(.back) }
            }
            if let error = model.screen.error {
                Text(String(describing: error)).foregroundStyle(.red)
            }
        }
        .disabled(model.screen.busy)
        .task { await model.follow() }
    }

    private func send(_ event: LoginEvent) {
        Task { await model.send(event) }
    }

    private static func describe(_ reason: EndReason) -> String {
        switch reason {
        case .signedOutFromAnotherDevice: return "You were signed out from another device."
        case .forcedLogout: return "Your sessions were ended to protect your account: see the security notices."
        case .refreshRefused: return "Your session has ended."
        }
    }
}
