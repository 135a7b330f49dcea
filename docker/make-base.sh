#!/usr/bin/env bash
# Builds the local base image for the rds runtime image (Dockerfile, `--build-arg BASE=rds-base:local`)
# on a machine whose Docker engine cannot pull anything.
#
#   docker/make-base.sh [--mode scratch|debootstrap] [--binary PATH] [--tag TAG] [--force]
#
# --mode scratch (the default; a few seconds, ~25 MB): an image made FROM nothing, holding only
#     the dynamic loader and the shared libraries that `ldd` lists for rds-server, plus redis-cli and
#     bash from the host with their libraries (redis-cli for `docker exec ... redis-cli`, bash for the
#     image's HEALTHCHECK), /etc/passwd, /etc/group, /etc/nsswitch.conf and /tmp. Needs redis-cli on
#     the host (Debian's redis-tools) and an rds-server binary built on this machine (--binary,
#     default target/release/rds-server) so its libraries match.
# --mode debootstrap (about a minute; ~130 MB): a Debian bookworm `minbase` root made by
#     debootstrap from the Debian mirror that apt uses here, with redis-tools included. Installs
#     debootstrap with apt-get when it is missing (needs root).
#
# The image is labelled with a fingerprint of its inputs; when rds-base:local already carries the
# same fingerprint nothing is rebuilt (--force rebuilds anyway). Prints the tag on success.
set -euo pipefail

log() { printf 'make-base: %s\n' "$*" >&2; }
die() { printf 'make-base: ERROR: %s\n' "$*" >&2; exit 1; }

script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
workspace="$(dirname "$(dirname "$script")")"
mode="${RDS_BASE_MODE:-scratch}"
binary="$workspace/target/release/rds-server"
tag="rds-base:local"
force=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        --mode) mode="${2:?--mode needs a value}"; shift 2 ;;
        --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
        --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,20p' "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
cd "$workspace"

command -v docker >/dev/null 2>&1 || die "docker is not installed (Debian: apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running? may this user use it?)"

# One build at a time on this machine (parallel tests): the second finds the first's image up to date.
if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/rds-make-base.lock"
    flock -w 600 9 || die "another make-base.sh held its lock for 10 minutes"
fi

label="org.rds.base.fingerprint"
root=""
trap '[ -z "$root" ] || rm -rf "$root" "$root.log"' EXIT
script_sum="$(sha256sum "$script" | cut -d' ' -f1)"

# Skips the build when $tag already has fingerprint $1.
up_to_date() {
    local have
    have="$(docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$tag" 2>/dev/null || true)"
    [ "$force" = 0 ] && [ "$have" = "$1" ]
}

# Imports the root file system in directory $1 as $tag with fingerprint $2, then removes the image
# the tag named before (when no other image is built on it).
import_rootfs() {
    local old
    old="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
    tar --numeric-owner -C "$1" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "LABEL $label=$2" \
        --change 'CMD ["/bin/bash"]' \
        - "$tag" >/dev/null
    log "built $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
    if [ -n "$old" ] && [ "$(docker image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null)" = 0 ]; then
        docker rmi "$old" >/dev/null 2>&1 || true
    fi
}

# Absolute paths of the shared objects program $1 loads, the dynamic loader included (none for a
# static program).
libraries_of() {
    { ldd "$1" 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u
}

# Copies file $1 to the same path under root $2, following symlinks (so the copy is the real file).
copy_in() {
    mkdir -p "$2$(dirname "$1")"
    cp -L "$1" "$2$1"
}

build_scratch() {
    [ -x "$binary" ] || die "no rds-server binary at $binary: run 'cargo build --release --bin rds-server' first"
    local cli bash_bin
    cli="$(command -v redis-cli)" || die "redis-cli is not installed (Debian: apt-get install redis-tools)"
    bash_bin="$(command -v bash)"
    local files
    files="$( { libraries_of "$binary"; libraries_of "$cli"; libraries_of "$bash_bin"; } | sort -u)"
    [ -n "$files" ] || die "ldd listed no libraries for $binary"
    local fingerprint
    fingerprint="scratch-$( { echo "$script_sum"; for f in $files "$cli" "$bash_bin"; do
        printf '%s ' "$f"; sha256sum < "$f"; done; } | sha256sum | cut -c1-32)"
    if up_to_date "$fingerprint"; then
        log "$tag is up to date ($fingerprint)"
        return
    fi
    root="$(mktemp -d)"
    for f in $files; do copy_in "$f" "$root"; done
    mkdir -p "$root/usr/local/bin" "$root/bin" "$root/etc" "$root/tmp" "$root/root"
    cp -L "$cli" "$root/usr/local/bin/redis-cli"
    cp -L "$bash_bin" "$root/bin/bash"
    ln -s bash "$root/bin/sh"
    chmod 1777 "$root/tmp"
    printf 'root:x:0:0:root:/root:/bin/bash\nrds:x:999:999:rds:/data:/bin/false\n' > "$root/etc/passwd"
    printf 'root:x:0:\nrds:x:999:\n' > "$root/etc/group"
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
    import_rootfs "$root" "$fingerprint"
}

# The Debian mirror apt uses here (deb822 .sources or one-line sources.list), else deb.debian.org.
debian_mirror() {
    local mirror
    mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri != "") { print uri; exit } }')"
    if [ -z "$mirror" ]; then
        mirror="$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
    fi
    echo "${mirror:-http://deb.debian.org/debian}"
}

build_debootstrap() {
    local mirror fingerprint
    mirror="$(debian_mirror)"
    fingerprint="debootstrap-$(printf '%s %s' "$script_sum" "$mirror" | sha256sum | cut -c1-32)"
    if up_to_date "$fingerprint"; then
        log "$tag is up to date ($fingerprint)"
        return
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] || die "debootstrap is not installed and this is not root (apt-get install debootstrap)"
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null \
            || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null; } \
            || die "apt-get install debootstrap failed"
    fi
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    root="$(mktemp -d)"
    log "debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase --include=redis-tools bookworm "$root" "$mirror" >"$root.log" 2>&1 \
        || { tail -n 30 "$root.log" >&2; die "debootstrap failed (full log: $root.log)"; }
    rm -f "$root.log"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    grep -q '^rds:' "$root/etc/passwd" || {
        echo 'rds:x:999:999:rds:/data:/usr/sbin/nologin' >> "$root/etc/passwd"
        echo 'rds:x:999:' >> "$root/etc/group"
    }
    import_rootfs "$root" "$fingerprint"
}

case "$mode" in
    scratch) build_scratch ;;
    debootstrap) build_debootstrap ;;
    *) die "unknown mode $mode (scratch or debootstrap)" ;;
esac
echo "$tag"
