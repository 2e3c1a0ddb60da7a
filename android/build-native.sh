#!/usr/bin/env bash
# Cross-compiles libmedcircle_ffi.so for the Android ABIs into target/android/jniLibs.
# Needs the Android NDK (ANDROID_NDK_HOME), `cargo install cargo-ndk`, and the rustup targets
# aarch64-linux-android armv7-linux-androideabi x86_64-linux-android. The library is
# self-contained: SQLCipher and its crypto are compiled in (sqlcipher/). Only the cdylib is
# built, as `cargo xtask size` measures it: asking for the crate's staticlib and rlib too keeps
# more code alive in the .so.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -o target/android/jniLibs \
  rustc --release -p medcircle-ffi --crate-type cdylib
cargo xtask bindings
