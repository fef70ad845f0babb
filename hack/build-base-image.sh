#!/usr/bin/env bash
# Builds the base image Dockmaster's container image is layered on, from what this machine can
# reach: no container registry can be pulled from here, only Debian's package archive. So:
#   JRE      jlink of Debian's openjdk-17 (the archive's current security release, not the JDK this
#            machine happens to have installed) with only the modules the jar uses
#   libs     Debian's libc6, libgcc-s1, libstdc++6, zlib1g: exactly what the JRE's native code links
#   certs    Debian's ca-certificates, as the PEM bundle and as the JRE's truststore
#   identity /etc/passwd and /etc/group with root and nonroot (65532), /home/nonroot, /tmp
# One layer, written reproducibly (sorted, fixed mtimes and owners), turned into an image with crane
# through a throw-away registry on loopback. Outputs, in $DOCKMASTER_CACHE/base-image:
#   dockmaster-base.tar   docker-archive tarball (what Jib's `tar://` base reads)
#   oci/                  the same image as an OCI image layout
#   sbom.tsv              where every part came from: package, version, sha256 of the .deb
#   digest                the image's manifest digest
# The build is cached by a key of this script, the Debian versions and the architecture: it runs again
# only when one changes (e.g. Debian publishes a security update after `apt-get update`).
# Usage: hack/build-base-image.sh [--force]
set -euo pipefail

CACHE_DIR="${DOCKMASTER_CACHE:-$HOME/.cache/dockmaster}"
OUT_DIR="$CACHE_DIR/base-image"
CRANE="${CRANE:-$CACHE_DIR/bin/crane}"
NONROOT=65532
# 2000-01-01T00:00:00Z: any fixed instant makes the layer reproducible; zero confuses some tools.
EPOCH=946684800

JDK_PACKAGES=(openjdk-17-jre-headless openjdk-17-jdk-headless)
RUNTIME_PACKAGES=(base-files libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates)
# `jdeps --print-module-deps` over the jar and its runtime classpath, plus what is only loaded as a
# service provider and so invisible to jdeps: jdk.crypto.ec (ECDSA cosign keys, ECDHE TLS) and
# jdk.naming.dns (netty's DNS resolver asks JNDI for the name servers). java.desktop is there for
# java.beans (Jackson, SnakeYAML, commons-lang3); its graphics and sound libraries are left out below.
MODULES=(java.base java.compiler java.desktop java.logging java.management java.naming java.net.http
  java.rmi java.scripting java.sql java.xml jdk.crypto.ec jdk.management jdk.naming.dns jdk.unsupported)
# Native libraries of java.desktop that link X11, freetype, ALSA, libjpeg, lcms: never loaded by a
# headless server, and leaving them out keeps those libraries out of the image.
EXCLUDED_FILES='**/libawt_xawt.so,**/libjawt.so,**/libfontmanager.so,**/libjavajpeg.so,**/libjsound.so,**/liblcms.so,**/libsplashscreen.so'

log() { printf '[base-image] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

force=false
[[ "${1:-}" == --force ]] && force=true

for tool in apt-cache apt-get dpkg-deb tar sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found: this script needs a Debian or Ubuntu machine with apt"
done
[[ -x "$CRANE" ]] || die "crane not found at $CRANE: run hack/build-tools.sh crane"
ARCH="$(dpkg --print-architecture)"

# candidate PACKAGE: the version apt would install now.
candidate() { apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -1; }

declare -A VERSION=()
resolve_versions() {
  local p
  for p in "${JDK_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"; do VERSION[$p]="$(candidate "$p")"; done
}
refresh_lists() {
  log "$1; running apt-get update"
  apt-get update -qq || die "apt-get update failed; the package lists are needed to find ${!VERSION[*]}"
  resolve_versions
}
resolve_versions
for p in "${!VERSION[@]}"; do
  [[ -n "${VERSION[$p]}" ]] || { refresh_lists "apt knows no version of $p"; break; }
done
for p in "${!VERSION[@]}"; do
  [[ -n "${VERSION[$p]}" ]] || die "no candidate version of Debian package $p (is this Debian 12 or later?)"
done

cache_key() {
  { cat "$0"; echo "$ARCH"; for p in $(printf '%s\n' "${!VERSION[@]}" | sort); do echo "$p=${VERSION[$p]}"; done; } |
    sha256sum | cut -c1-16
}
exit_if_cached() {
  if ! $force && [[ -f "$OUT_DIR/key" && "$(cat "$OUT_DIR/key")" == "$key" && -f "$OUT_DIR/dockmaster-base.tar" ]]; then
    log "cached: $OUT_DIR/dockmaster-base.tar ($(cat "$OUT_DIR/digest"))"
    exit 0
  fi
}
key="$(cache_key)"
exit_if_cached

mkdir -p "$OUT_DIR/debs"
# deb PACKAGE: path of the downloaded .deb of the candidate version (fails if it is not there).
deb() {
  local d
  for d in "$OUT_DIR/debs/$1"_*.deb; do
    [[ -f "$d" && "$(dpkg-deb -f "$d" Version)" == "${VERSION[$1]}" ]] && { echo "$d"; return 0; }
  done
  return 1
}
download_all() {
  local p
  for p in "${JDK_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"; do
    deb "$p" >/dev/null ||
      (cd "$OUT_DIR/debs" && apt-get -qq -o APT::Sandbox::User=root download "$p=${VERSION[$p]}" >/dev/null 2>&1) ||
      return 1
  done
}
# Package lists a few days old may name versions the archive has replaced since (security updates).
if ! download_all; then
  refresh_lists "a package of the lists' versions cannot be downloaded"
  key="$(cache_key)"
  exit_if_cached
  download_all || die "cannot download the Debian packages ${!VERSION[*]}: is Debian's archive reachable?"
fi

work="$(mktemp -d "$OUT_DIR/work.XXXXXX")"
registry_pid=""
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

log "JRE: jlink from Debian's openjdk-17 ${VERSION[openjdk-17-jdk-headless]}"
jdk="$work/jdk"
mkdir -p "$jdk"
for p in "${JDK_PACKAGES[@]}"; do dpkg-deb -x "$(deb "$p")" "$jdk"; done
# Debian points some JDK files at /etc/java-17-openjdk; aim them at the extracted copies instead of
# whatever JDK this machine has installed.
while IFS= read -r link; do
  target="$(readlink "$link")"
  if [[ -e "$jdk$target" ]]; then ln -sfn "$jdk$target" "$link"; fi
done < <(find "$jdk" -type l -lname '/*')
java_home="$jdk/usr/lib/jvm/java-17-openjdk-$ARCH"
rootfs="$work/rootfs"
mkdir -p "$rootfs/opt"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$(IFS=,; echo "${MODULES[*]}")" \
  --exclude-files="$EXCLUDED_FILES" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$rootfs/opt/java"
# Tools a container has no use for (a shell-less image cannot run scripts or an RMI registry).
rm -f "$rootfs/opt/java/bin/jrunscript" "$rootfs/opt/java/bin/rmiregistry"

log "Debian libraries and certificates: ${RUNTIME_PACKAGES[*]}"
mkdir -p "$rootfs/var/lib/dpkg/status.d"
for p in "${RUNTIME_PACKAGES[@]}"; do
  dpkg-deb -x "$(deb "$p")" "$rootfs"
  # What image scanners read to know which Debian packages (and versions) an image holds.
  dpkg-deb -f "$(deb "$p")" > "$rootfs/var/lib/dpkg/status.d/$p"
done
# The JRE's code is Debian's openjdk-17-jre-headless (a jlinked subset): scanners should know it.
dpkg-deb -f "$(deb openjdk-17-jre-headless)" > "$rootfs/var/lib/dpkg/status.d/openjdk-17-jre-headless"
# Keep licences, drop documentation, translations and maintainer tooling (no shell to run it).
find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
rm -rf "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale" \
  "$rootfs/usr/share/lintian" "$rootfs/usr/share/bug" "$rootfs/usr/sbin/update-ca-certificates" \
  "$rootfs/etc/ca-certificates" "$rootfs/etc/profile" "$rootfs/etc/profile.d" "$rootfs/etc/skel" \
  "$rootfs/etc/update-motd.d" "$rootfs/etc/dpkg" "$rootfs/usr/share/base-files"

# update-ca-certificates would build these in a postinst; there is no shell to run it in the image.
mkdir -p "$rootfs/etc/ssl/certs"
certs=()
while IFS= read -r c; do certs+=("$c"); done < <(find "$rootfs/usr/share/ca-certificates/mozilla" -name '*.crt' | LC_ALL=C sort)
((${#certs[@]} > 100)) || die "only ${#certs[@]} certificates in Debian's ca-certificates; expected well over 100"
cat "${certs[@]}" > "$rootfs/etc/ssl/certs/ca-certificates.crt"
truststore="$rootfs/opt/java/lib/security/cacerts"
rm -f "$truststore"
# PKCS#12 without MAC or encryption: a truststore holds no secret, and without the random salt the
# file (and so the layer) is the same on every build. Java reads it without a password.
for c in "${certs[@]}"; do
  alias="$(basename "$c" .crt | tr '[:upper:]' '[:lower:]')"
  out="$("$java_home/bin/keytool" -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC \
    -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -J-Dkeystore.pkcs12.macAlgorithm=NONE \
    -importcert -noprompt -storetype pkcs12 -keystore "$truststore" -storepass changeit \
    -alias "debian:$alias" -file "$c" 2>&1)" || die "keytool could not import ${c#"$rootfs"}: $out"
done
log "truststore: ${#certs[@]} certificates"

# Users, writable places, name resolution.
cat > "$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:$NONROOT:$NONROOT:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$rootfs/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
nonroot:x:$NONROOT:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
mkdir -p "$rootfs/home/nonroot" "$rootfs/tmp" "$rootfs/root"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root" "$rootfs/home/nonroot"
# No setuid or setgid bits anywhere (Debian's /var/local is setgid staff, a group this image lacks):
# nothing in an image that never runs as root should change identity.
find "$rootfs" -perm /6000 -exec chmod ug-s {} +

# Every ELF file in the JRE must find its libraries inside the image: ask the image's own dynamic
# loader, and reject anything it resolves from this machine instead (or not at all).
loader="$rootfs/lib64/ld-linux-x86-64.so.2"
[[ -e "$loader" ]] || loader="$(find "$rootfs" -name 'ld-linux*.so*' | head -1)"
libpath="$rootfs/opt/java/lib:$rootfs/opt/java/lib/server:$rootfs/lib/$(uname -m)-linux-gnu:$rootfs/usr/lib/$(uname -m)-linux-gnu"
while IFS= read -r elf; do
  bad="$("$loader" --library-path "$libpath" --list "$elf" 2>&1 | grep '=>' | grep -v -e "=> $rootfs/" -e 'linux-vdso' || true)"
  [[ -z "$bad" ]] || die "${elf#"$rootfs"} needs libraries the image lacks: $bad"
done < <(find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \))

# As root, also run the JRE the way a container runtime would: /proc mounted (glibc resolves the
# launcher's $ORIGIN rpath through /proc/self/exe), chrooted, as nonroot.
if [[ $EUID == 0 ]] && command -v unshare >/dev/null; then
  out="$(unshare --mount --pid --fork --kill-child sh -c \
    'mount -t proc proc "$1/proc" && exec chroot --userspec="$2:$2" "$1" /opt/java/bin/java -version' \
    sh "$rootfs" "$NONROOT" 2>&1)" || die "the JRE does not start in the image's filesystem: $out"
fi

# Where every part came from, next to the image and inside it.
sbom="$work/sbom.tsv"
{
  printf 'component\tversion\tsource\tsha256\n'
  for p in "${JDK_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"; do
    printf '%s\t%s\tdebian:%s\t%s\n' "$p" "${VERSION[$p]}" "$(basename "$(deb "$p")")" "$(sha256sum "$(deb "$p")" | cut -d' ' -f1)"
  done
  printf 'jre-modules\t%s\tjlink\t-\n' "$(IFS=,; echo "${MODULES[*]}")"
  printf 'ca-certificates-in-truststore\t%s\tdebian:ca-certificates\t-\n' "${#certs[@]}"
} > "$sbom"
mkdir -p "$rootfs/usr/share/doc/dockmaster-base"
cp "$sbom" "$rootfs/usr/share/doc/dockmaster-base/sbom.tsv"

log "layer"
# Owners are set by tar, not on disk, so the script needs no root: everything root's, but the
# home directory, which is nonroot's.
tar_flags=(--sort=name --mtime="@$EPOCH" --numeric-owner --format=posix
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
(cd "$rootfs" && LC_ALL=C tar "${tar_flags[@]}" --owner=0 --group=0 --exclude=home/nonroot -cf "$work/layer.tar" -- * &&
  LC_ALL=C tar "${tar_flags[@]}" --owner="$NONROOT" --group="$NONROOT" -rf "$work/layer.tar" home/nonroot)

log "image (crane, through a registry on loopback that lives as long as this script)"
"$CRANE" registry serve --address 127.0.0.1:0 2> "$work/registry.log" &
registry_pid=$!
port=""
for _ in $(seq 50); do
  port="$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$work/registry.log" | head -1)"
  [[ -n "$port" ]] && break
  kill -0 "$registry_pid" 2>/dev/null || die "crane registry serve exited: $(cat "$work/registry.log")"
  sleep 0.2
done
[[ -n "$port" ]] || die "crane registry serve did not say its port: $(cat "$work/registry.log")"
ref="127.0.0.1:$port/dockmaster-base"
jdk_version="$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$rootfs/opt/java/release")"
"$CRANE" append --oci-empty-base -f "$work/layer.tar" -t "$ref:layer" >/dev/null 2>&1 ||
  die "crane append failed"
"$CRANE" mutate "$ref:layer" -t "$ref:build" --set-platform "linux/$ARCH" \
  -u "$NONROOT:$NONROOT" -w /home/nonroot --entrypoint /opt/java/bin/java \
  -e PATH=/opt/java/bin:/usr/bin:/bin -e JAVA_HOME=/opt/java -e LANG=C.UTF-8 \
  -l org.opencontainers.image.title=dockmaster-base \
  -l "org.opencontainers.image.description=jlinked OpenJDK $jdk_version runtime on Debian 12 libraries, user nonroot ($NONROOT)" \
  -l "org.opencontainers.image.version=$jdk_version" >/dev/null 2>&1 || die "crane mutate failed"
digest="$("$CRANE" digest "$ref:build")"
"$CRANE" pull "$ref:build" "$work/dockmaster-base.tar"
"$CRANE" pull --format=oci "$ref:build" "$work/oci"

rm -rf "$OUT_DIR/oci"
mv "$work/oci" "$OUT_DIR/oci"
mv "$work/dockmaster-base.tar" "$OUT_DIR/dockmaster-base.tar"
mv "$sbom" "$OUT_DIR/sbom.tsv"
echo "$digest" > "$OUT_DIR/digest"
echo "$key" > "$OUT_DIR/key"
# Keep only the .debs of this build; older versions are in the archive's history, not needed here.
keep=" "
for p in "${JDK_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"; do keep+="$(deb "$p") "; done
for d in "$OUT_DIR/debs"/*.deb; do [[ "$keep" == *" $d "* ]] || rm -f "$d"; done
log "built $OUT_DIR/dockmaster-base.tar ($digest, $(du -m "$OUT_DIR/dockmaster-base.tar" | cut -f1) MiB)"
