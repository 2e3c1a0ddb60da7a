import MedCircle
import SwiftUI

/// The privacy policy, and the one button that accepts it. Nothing but the policy's own
/// requests leaves the device before.
struct ConsentView: View {
    let model: ConsentModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                if let policy = model.policy {
                    Text(policy.title).font(.title2)
                    ForEach(policy.sections, id: \.id) { section in
                        Text(section.title).font(.headline)
                        Text(section.text)
                    }
                }
                Button("Agree") { Task { await model.accept() } }
                    .buttonStyle(.borderedProminent)
                if let error = model.lastError {
                    Text(String(describing: error)).foregroundStyle(.red)
                }
            }
            .padding()
        }
    }
}
