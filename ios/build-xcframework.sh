#!/usr/bin/env bash
# Builds MedCircleFFI.xcframework (device + simulator static libraries with the MedCircleFFI
# headers) and copies the generated Swift into Sources/MedCircle/Generated. Run on macOS with
# Xcode and the rustup targets aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
cd "$root"

# Bindings are generated from a host build (metadata is read from the unstripped library).
cargo xtask bindings
gen="$root/target/bindings/swift"

# Only the staticlib: asking for the cdylib and rlib too keeps more code alive in it.
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo rustc --release -p medcircle-ffi --target "$target" --crate-type staticlib
done
mkdir -p target/ios-sim
lipo -create \
  target/aarch64-apple-ios-sim/release/libmedcircle_ffi.a \
  target/x86_64-apple-ios/release/libmedcircle_ffi.a \
  -output target/ios-sim/libmedcircle_ffi.a

headers="$root/target/ios-headers"
rm -rf "$headers" && mkdir -p "$headers"
cp "$gen"/*.h "$gen/module.modulemap" "$headers/"

rm -rf "$here/build/MedCircleFFI.xcframework"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libmedcircle_ffi.a -headers "$headers" \
  -library target/ios-sim/libmedcircle_ffi.a -headers "$headers" \
  -output "$here/build/MedCircleFFI.xcframework"

rm -rf "$here/Sources/MedCircle/Generated"
mkdir -p "$here/Sources/MedCircle/Generated"
cp "$gen"/*.swift "$here/Sources/MedCircle/Generated/"
