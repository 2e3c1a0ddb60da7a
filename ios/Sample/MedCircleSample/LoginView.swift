import MedCircle
import SwiftUI

/// SMS login, drawn from the core's login flow: each screen says the step, whether a request
/// is in flight and the last error; the buttons send the user's actions as events.
struct LoginView: View {
    @State private var model: LoginModel
    @State private var phone = ""
    @State private var code = ""

    init(login: Login) {
        _model = State(initialValue: LoginModel(login: login))
    }

    var body: some View {
        Form {
            switch model.screen.step {
            case .start:
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
}
