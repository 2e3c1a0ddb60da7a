import MedCircle
import PhotosUI
import SwiftUI

/// The feed, live: the cached list at once, then every change (a refresh, a like, a post being
/// sent) as the core reports it; a composer that publishes a post with a photo, with progress.
struct FeedView: View {
    let auth: Auth
    @State private var model: FeedModel
    @State private var text = ""
    @State private var pickedItem: PhotosPickerItem?
    @State private var photo: Data?
    @State private var logoutError: Error?

    init(feed: Feed, auth: Auth) {
        self.auth = auth
        _model = State(initialValue: FeedModel(feed: feed))
    }

    var body: some View {
        NavigationStack {
            List {
                Section {
                    TextField("What is new?", text: $text, axis: .vertical)
                    // The system picker: no photo library permission needed.
                    PhotosPicker(photo == nil ? "Add a photo" : "1 photo", selection: $pickedItem, matching: .images)
                    Button("Publish") { Task { await publish() } }
                        .disabled(text.isEmpty || model.upload != nil)
                    if let upload = model.upload, upload.total > 0 {
                        ProgressView(value: Double(upload.sent), total: Double(upload.total))
                    }
                }
                if let status = model.status, status.offline || status.pending > 0 {
                    Text(status.offline ? "Offline: showing what is cached." : "\(status.pending) waiting to be sent.")
                }
                if let error = model.lastError ?? logoutError {
                    Text(String(describing: error)).foregroundStyle(.red)
                }
                ForEach(model.items, id: \.post.id) { item in
                    PostRow(item: item)
                        .onTapGesture { Task { await model.setLiked(item.post, !item.post.likedByMe) } }
                }
            }
            .refreshable { await model.refresh() }
            .toolbar {
                Button("Log out") { Task { await logOut() } }
            }
            .navigationTitle("MedCircle")
        }
        .task { await model.follow() }
        .task { await model.refresh() }
        .onChange(of: pickedItem) { _, item in
            Task { photo = try? await item?.loadTransferable(type: Data.self) }
        }
    }

    private func publish() async {
        await model.publish(text: text, photos: photo.map { [$0] } ?? [])
        if model.lastError == nil {
            text = ""
            photo = nil
            pickedItem = nil
        }
    }

    /// Logs out; when items wait unsent, the first tap says so and the second discards them.
    private func logOut() async {
        do {
            if case .UnsentWouldBeLost? = logoutError as? AuthError {
                _ = try await auth.logoutDiscardingUnsent()
            } else {
                _ = try await auth.logout()
            }
        } catch {
            logoutError = error
        }
    }
}

struct PostRow: View {
    let item: FeedItem

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(item.post.author.nickname).font(.headline)
                switch item.delivery {
                case .sent: EmptyView()
                case .sending: Text("sending").foregroundStyle(.secondary)
                case .failed(_, let reason): Text("not sent: \(reason)").foregroundStyle(.red)
                }
            }
            Text(item.post.text)
            Text("\(item.post.likedByMe ? "♥" : "♡") \(item.post.likeCount) · \(item.post.commentCount) comments"
                + (item.post.photos.isEmpty ? "" : " · \(item.post.photos.count) photo(s)"))
                .font(.caption)
        }
    }
}
