#!/usr/bin/env bash
# Swift on Linux: compiles the generated Swift bindings into one module, `MedCircle` (with the
# package's own Swift, if it has any: the iOS layer), and runs the package's XCTest tests
# against the reference server. `run-tests.sh [PACKAGE]`: PACKAGE is this directory (the bindings suite)
# by default, or the iOS package (`ios/`, its Swift layer). Normally run by `cargo xtask test`
# inside the Swift chroot, with:
#   MEDCIRCLE_BINDINGS    directory of the generated Swift bindings (*.swift, *.h, module.modulemap)
#   MEDCIRCLE_LIB_DIR     directory holding the native library
#   MEDCIRCLE_LIBRARY     its file name (libmedcircle_ffi.so)
#   MEDCIRCLE_SERVER_BIN  the reference server binary
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package="$(cd "${1:-$here}" && pwd)"

fail() {
  echo "run-tests.sh: $*" >&2
  exit 1
}

: "${MEDCIRCLE_BINDINGS:?run-tests.sh: MEDCIRCLE_BINDINGS is not set (directory of the generated Swift bindings)}"
: "${MEDCIRCLE_LIB_DIR:?run-tests.sh: MEDCIRCLE_LIB_DIR is not set (directory of the native library)}"
: "${MEDCIRCLE_SERVER_BIN:?run-tests.sh: MEDCIRCLE_SERVER_BIN is not set (reference server binary)}"
MEDCIRCLE_LIBRARY="${MEDCIRCLE_LIBRARY:-libmedcircle_ffi.so}"

command -v swift >/dev/null || fail "no 'swift' on PATH ($PATH)"
[ -d "$MEDCIRCLE_BINDINGS" ] || fail "no generated bindings at $MEDCIRCLE_BINDINGS: run 'cargo xtask bindings'"
[ -f "$MEDCIRCLE_BINDINGS/module.modulemap" ] || fail "no module.modulemap in $MEDCIRCLE_BINDINGS: run 'cargo xtask bindings'"
shopt -s nullglob
swift_sources=("$MEDCIRCLE_BINDINGS"/*.swift)
headers=("$MEDCIRCLE_BINDINGS"/*.h)
shopt -u nullglob
[ "${#swift_sources[@]}" -gt 0 ] || fail "no generated .swift files in $MEDCIRCLE_BINDINGS"
[ "${#headers[@]}" -gt 0 ] || fail "no generated .h headers in $MEDCIRCLE_BINDINGS"
[ -f "$MEDCIRCLE_LIB_DIR/$MEDCIRCLE_LIBRARY" ] || fail "no native library $MEDCIRCLE_LIB_DIR/$MEDCIRCLE_LIBRARY: run 'cargo build -p medcircle-ffi'"
[ -x "$MEDCIRCLE_SERVER_BIN" ] || fail "no reference server at $MEDCIRCLE_SERVER_BIN: run 'cargo build -p medcircle-server'"

# The library is linked as -lmedcircle_ffi (Package.swift); the file must be named accordingly.
case "$MEDCIRCLE_LIBRARY" in
  libmedcircle_ffi.so) ;;
  *) fail "MEDCIRCLE_LIBRARY=$MEDCIRCLE_LIBRARY, but Package.swift links medcircle_ffi (libmedcircle_ffi.so)" ;;
esac

[ -f "$package/Package.swift" ] || fail "no Package.swift in $package"

# Fresh copies of the generated files (git-ignored); stale ones from an older generation go.
ffi_dir="$package/Sources/MedCircleFFI"
swift_dir="$package/Sources/MedCircle/Generated"
mkdir -p "$ffi_dir" "$swift_dir"
rm -f "$ffi_dir"/*.h "$ffi_dir/module.modulemap" "$swift_dir"/*.swift
cp "${headers[@]}" "$MEDCIRCLE_BINDINGS/module.modulemap" "$ffi_dir/"
cp "${swift_sources[@]}" "$swift_dir/"

export MEDCIRCLE_SERVER_BIN
export LD_LIBRARY_PATH="$MEDCIRCLE_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cd "$package"
echo "run-tests.sh: package $package; bindings ${swift_sources[*]##*/}; library $MEDCIRCLE_LIB_DIR/$MEDCIRCLE_LIBRARY; server $MEDCIRCLE_SERVER_BIN"

# The client keeps its keys in the keyutils *session* keyring. A process without a session
# keyring of its own (chroot, CI, docker exec) falls back to the shared user-session keyring,
# where a key stored from one thread is later not found from another (the keyring store's
# KEYCTL_GET_PERSISTENT gives the calling thread a private session keyring): the client then
# recreates its app database and loses the privacy-policy acceptance. So the tests run in a
# fresh anonymous session keyring (KEYCTL_JOIN_SESSION_KEYRING), which also drops every test
# key when the run ends. perl (perl-base, essential in Debian) makes the call: the chroot has
# no keyctl.
case "$(uname -m)" in
  x86_64) keyctl_nr=250 ;;
  aarch64) keyctl_nr=219 ;;
  *) fail "unknown keyctl syscall number for $(uname -m)" ;;
esac
command -v perl >/dev/null || fail "perl is required to give the tests a session keyring of their own"
in_new_session_keyring() {
  perl -e '
    my ($nr, @command) = @ARGV;
    my $user_session = syscall($nr, 0, -5, 0);          # KEYCTL_GET_KEYRING_ID @us
    syscall($nr, 1, 0) >= 0                             # KEYCTL_JOIN_SESSION_KEYRING, anonymous
      or die "run-tests.sh: cannot join a new session keyring: $!\n";
    my $session = syscall($nr, 0, -3, 0);               # KEYCTL_GET_KEYRING_ID @s
    die "run-tests.sh: still on the user-session keyring after joining a new one\n"
      if $session < 0 || $session == $user_session;
    $ENV{MEDCIRCLE_SWIFT_SESSION_KEYRING} = sprintf("%08x", $session);
    exec { $command[0] } @command or die "run-tests.sh: cannot run $command[0]: $!\n";
  ' "$keyctl_nr" "$@"
}

# One scratch directory per run, removed at the end: the tests' data directories and server
# databases, and the TemporaryDirectory.* that SwiftPM leaves behind on Linux, all land here.
scratch="$(mktemp -d -t medcircle-swift-run.XXXXXX)"
export TMPDIR="$scratch"
# Foundation's Application Support directory on Linux (what MedCircleClient.dataDirectory uses).
export XDG_DATA_HOME="$scratch/data"
# Servers the tests start register their pid here; any still running at exit (a crashed or
# killed test process) are ended by id.
children="$scratch/children"
mkdir "$children"
export MEDCIRCLE_SWIFT_CHILDREN="$children"
log="$scratch/swift-test.log"
cleanup() {
  local pidfile pid command
  for pidfile in "$children"/*; do
    [ -e "$pidfile" ] || continue
    pid="${pidfile##*/}"
    [ -r "/proc/$pid/cmdline" ] || continue
    command="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    case "$command" in
      *medcircle-server*)
        echo "run-tests.sh: ending reference server $pid left behind by the tests" >&2
        kill -KILL "$pid" 2>/dev/null || true
        ;;
    esac
  done
  rm -rf "$scratch"
}
trap cleanup EXIT
echo "run-tests.sh: $(swift --version 2>&1 | head -n1)"

# --allow-shlib-undefined: Swift 6.0's libswiftObservation.so (the iOS layer's models) refers to
# swift::threading::fatal without defining it (swiftlang/swift#75670, fixed in 6.2); the symbol
# is bound lazily, only on a fatal threading error.
set +e
in_new_session_keyring swift test \
  -Xlinker -L"$MEDCIRCLE_LIB_DIR" \
  -Xlinker -rpath -Xlinker "$MEDCIRCLE_LIB_DIR" \
  -Xlinker --allow-shlib-undefined \
  2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || fail "swift test failed (exit $status)"

# A run must never pass by running nothing: XCTest reports "Executed N tests, with 0 failures".
executed=$(grep -Eo 'Executed [0-9]+ tests?' "$log" | tail -n1 | grep -Eo '[0-9]+' || true)
[ -n "$executed" ] && [ "$executed" -gt 0 ] || fail "swift test ran no tests"
if grep -Eq "' skipped|with [0-9]+ tests? skipped" "$log"; then
  fail "some tests were skipped; every test must run"
fi
echo "run-tests.sh: $executed Swift tests passed"
