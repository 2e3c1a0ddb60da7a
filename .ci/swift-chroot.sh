#!/usr/bin/env bash
# Builds (once) and caches a Debian trixie chroot with Swift for Linux, used to compile and run
# the generated Swift bindings. The host is bookworm: trixie packages must never touch the host.
set -euo pipefail

CHROOT="${MEDCIRCLE_SWIFT_CHROOT:-/var/cache/medcircle/swift-trixie}"
MARKER="$CHROOT/.medcircle-ready"

if [ -f "$MARKER" ]; then
  echo "swift chroot ready at $CHROOT"
  exit 0
fi

# The host's own Debian mirror (deb822 sources or classic sources.list).
mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
fi
mirror="${mirror:-http://deb.debian.org/debian}"

command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }

if mountpoint -q "$CHROOT/proc" 2>/dev/null; then umount "$CHROOT/proc"; fi
rm -rf "$CHROOT"
mkdir -p "$(dirname "$CHROOT")"
debootstrap --variant=minbase trixie "$CHROOT" "$mirror"

mount -t proc proc "$CHROOT/proc"
trap 'umount "$CHROOT/proc" 2>/dev/null || true' EXIT
chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq
chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  swiftlang libc6-dev libstdc++-14-dev libssl3t64 ca-certificates
chroot "$CHROOT" apt-get clean
chroot "$CHROOT" swift --version
touch "$MARKER"
echo "swift chroot ready at $CHROOT"
