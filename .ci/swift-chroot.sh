#!/usr/bin/env bash
# Builds (once) and caches a Debian trixie chroot with Swift for Linux, used to compile and run
# the generated Swift bindings, and with the `sqlcipher` 4.x shell the compatibility checks run
# (bookworm's is 3.4 and cannot read SQLCipher 4). The host is bookworm: trixie packages must
# never touch the host. A chroot built before a package joined the list gets just that package.
set -euo pipefail

CHROOT="${MEDCIRCLE_SWIFT_CHROOT:-/var/cache/medcircle/swift-trixie}"
MARKER="$CHROOT/.medcircle-ready"
PACKAGES=(swiftlang libc6-dev libstdc++-14-dev libssl3t64 ca-certificates sqlcipher)

missing_packages() {
  for pkg in "${PACKAGES[@]}"; do
    chroot "$CHROOT" dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || echo "$pkg"
  done
}

# apt inside the chroot, with /proc mounted for it unless something else already did.
install_packages() {
  local mounted_here=0
  if ! mountpoint -q "$CHROOT/proc"; then
    mount -t proc proc "$CHROOT/proc"
    mounted_here=1
  fi
  local status=0
  {
    chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      chroot "$CHROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@" &&
      chroot "$CHROOT" apt-get clean
  } || status=$?
  if [ "$mounted_here" = 1 ]; then umount "$CHROOT/proc"; fi
  return "$status"
}

if [ -f "$MARKER" ]; then
  missing=$(missing_packages)
  if [ -n "$missing" ]; then
    # shellcheck disable=SC2086 # one package per word
    install_packages $missing
  fi
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

# A half-built chroot is deleted and started again, never while something is mounted in it.
if mountpoint -q "$CHROOT/proc" 2>/dev/null; then umount "$CHROOT/proc"; fi
if grep -q " $CHROOT/" /proc/mounts; then
  echo "swift-chroot.sh: something is mounted under $CHROOT; not deleting it" >&2
  exit 1
fi
rm -rf "$CHROOT"
mkdir -p "$(dirname "$CHROOT")"
debootstrap --variant=minbase trixie "$CHROOT" "$mirror"

install_packages "${PACKAGES[@]}"
chroot "$CHROOT" swift --version
touch "$MARKER"
echo "swift chroot ready at $CHROOT"
