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
        // Both generated .swift files (one per Rust crate) form ONE module, as in the iOS app.
        .target(
            name: "MedCircle",
            dependencies: ["MedCircleFFI"],
            path: "Sources/MedCircle",
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
