// swift-tools-version:6.0
// Compiles the *generated* MedCircle Swift bindings (copied in by run-tests.sh) with Swift for
// Linux and runs XCTest against the reference server. Run through `cargo xtask test`, or see
// run-tests.sh for the environment it expects.
import PackageDescription

let package = Package(
    name: "MedCircleSwiftTests",
    targets: [
        // The C module of the FFI: the generated headers and module.modulemap land here.
        .systemLibrary(name: "MedCircleFFI", path: "Sources/MedCircleFFI"),
        // Both generated .swift files (one per Rust crate) form ONE module, as in the iOS app,
        // and in the iOS package's language mode, Swift 5 (ios/Package.swift, tools 5.9): the
        // async foreign-trait glue that uniffi 0.32.2 generates (PermissionProvider.request)
        // does not pass the Swift 6 checker (Swift 6.0.3 crashes on it, swiftlang/swift#78439;
        // later compilers reject it, mozilla/uniffi-rs#2929). The tests stay in Swift 6.
        .target(
            name: "MedCircle",
            dependencies: ["MedCircleFFI"],
            path: "Sources/MedCircle/Generated",
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: [.linkedLibrary("medcircle_ffi")]
        ),
        .testTarget(
            name: "MedCircleTests",
            dependencies: ["MedCircle"],
            path: "Tests/MedCircleTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
