// swift-tools-version:5.9
// The MedCircle core for iOS: the XCFramework built by build-xcframework.sh (static library and
// the C module MedCircleFFI) and the generated Swift bindings, as one Swift package.
import PackageDescription

let package = Package(
    name: "MedCircle",
    platforms: [.iOS(.v15), .macOS(.v13)],
    products: [
        .library(name: "MedCircle", targets: ["MedCircle"]),
    ],
    targets: [
        .binaryTarget(name: "MedCircleFFI", path: "build/MedCircleFFI.xcframework"),
        .target(
            name: "MedCircle",
            dependencies: ["MedCircleFFI"],
            path: "Sources/MedCircle",
            // Generated from core/privacy/inventory.toml by `cargo xtask privacy`.
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
    ]
)
