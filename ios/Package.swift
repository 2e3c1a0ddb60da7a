// swift-tools-version:5.9
// The MedCircle core for iOS: the C module MedCircleFFI, the generated Swift bindings and the
// Swift layer (Sources/MedCircle), as one Swift package and one module, `MedCircle`.
//
// On Apple platforms the C module is the XCFramework build-xcframework.sh makes. On Linux,
// where the layer's platform-neutral parts are built and tested (`cargo xtask test`), it is a
// system library: the generated headers and module map in Sources/MedCircleFFI, linked against
// the host's libmedcircle_ffi.so. The generated Swift lands in Sources/MedCircle/Generated
// either way (git-ignored).
//
// Swift 5 language mode: the glue uniffi 0.32.2 generates for an async foreign trait does not
// pass the Swift 6 checker (see tests/swift/README.md).
import PackageDescription

#if os(Linux)
let ffi: Target = .systemLibrary(name: "MedCircleFFI", path: "Sources/MedCircleFFI")
let linkFFI: [LinkerSetting] = [.linkedLibrary("medcircle_ffi")]
#else
let ffi: Target = .binaryTarget(name: "MedCircleFFI", path: "build/MedCircleFFI.xcframework")
let linkFFI: [LinkerSetting] = []
#endif

let package = Package(
    name: "MedCircle",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "MedCircle", targets: ["MedCircle"]),
    ],
    targets: [
        ffi,
        .target(
            name: "MedCircle",
            dependencies: ["MedCircleFFI"],
            path: "Sources/MedCircle",
            // Generated from core/privacy/inventory.toml by `cargo xtask privacy`.
            resources: [.copy("PrivacyInfo.xcprivacy")],
            linkerSettings: linkFFI
        ),
        .testTarget(
            name: "MedCircleTests",
            dependencies: ["MedCircle"],
            path: "Tests/MedCircleTests"
        ),
    ]
)
