#!/usr/bin/env bash
# Makes a Docker engine answer on this machine, with the base images the Dockerfile names, so the
# image test (test/package/image.test.ts) runs for real. Used by .ci/run; also by hand:
#
#   sudo bash scripts/docker-engine.sh         # root: apt-get, debootstrap, dockerd; then step 3
#   sudo bash scripts/docker-engine.sh engine  # steps 1 and 2 only (needs no node_modules)
#   bash scripts/docker-engine.sh ryuk         # step 3 only (after npm ci)
#   kill "$(cat /tmp/docker-engine/dockerd.pid)"   # stops a dockerd this script started
#
# 1. An engine that already answers (`docker info`) is used as it is. Otherwise, as root on Debian:
#    Debian's docker.io (dockerd + containerd + runc) is installed and dockerd started in the
#    background (defaults; then vfs storage; then vfs without iptables/bridge).
# 2. Each `FROM` image of the Dockerfile is used if present, else pulled (the official node images
#    where a registry answers), else replaced by a local stand-in: Debian minbase (debootstrap) with
#    this machine's Node 20 in /usr/local as the official image lays it out, a `node` user (uid
#    1000), the official docker-entrypoint.sh and this machine's extra CA certificates (npm inside
#    the build verifies the registry with them). The stand-in serves every FROM tag (`npm ci
#    --ignore-scripts` needs no compiler, so the build stage needs nothing the slim image lacks).
# 3. testcontainers' reaper image (ryuk, the name the installed testcontainers uses) is pulled if it
#    can be; the last stdout line says whether: `TESTCONTAINERS_RYUK_DISABLED=true` or `=false`.
#
# Exit 0: an engine answers and runs a container of the base image. Non-zero: no engine can be had
# here; the reason is the last stderr line (the image test then skips and says so).
# Adapted from the engine recipe the project was given (docker-engine-setup.sh); each step's wall time
# goes to stderr and $WORK/timings.txt, each step's output to $WORK/logs/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/docker-engine}
SUITE=bookworm
PULL_TIMEOUT_S=${PULL_TIMEOUT_S:-60}
MODE=${1:-all}
case "$MODE" in all | engine | ryuk) ;; *) echo "usage: $0 [all|engine|ryuk]" >&2 && exit 2 ;; esac
mkdir -p "$WORK/logs"
[ "$MODE" = ryuk ] || : >"$WORK/timings.txt"

fail() {
  echo "docker-engine: $*" >&2
  exit 1
}

step() { # step NAME CMD...: runs CMD (set -e inside), output to $WORK/logs/NAME.log, records its time
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s%N)
  set +e
  (set -e; "$@") >"$WORK/logs/$name.log" 2>&1
  rc=$?
  set -e
  printf '%-24s %6.1f s%s\n' "$name" "$(($(date +%s%N) - t0))e-9" "$([ "$rc" = 0 ] || echo " (failed: $rc)")" |
    tee -a "$WORK/timings.txt" >&2
  if [ "$rc" -ne 0 ] && [ -z "${QUIET:-}" ]; then tail -20 "$WORK/logs/$name.log" >&2; fi
  return "$rc"
}
quiet_step() { QUIET=1 step "$@"; } # a failure that is an answer (no registry), not an error

daemon_up() { timeout 10 docker info >/dev/null 2>&1; }

install_packages() {
  apt-get update
  # policy-rc.d on these machines keeps the packages' services from starting; dockerd is started below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    docker.io iptables debootstrap ca-certificates
}

start_dockerd() {
  local opts n=0
  for opts in "" "--storage-driver=vfs" "--storage-driver=vfs --iptables=false --bridge=none"; do
    n=$((n + 1))
    echo "starting: dockerd $opts (log $WORK/dockerd-$n.log)"
    # setsid: the daemon outlives this script and the CI step that started it.
    # shellcheck disable=SC2086
    setsid nohup dockerd $opts >"$WORK/dockerd-$n.log" 2>&1 </dev/null &
    echo $! >"$WORK/dockerd.pid"
    for _ in $(seq 1 60); do
      if daemon_up; then
        echo "dockerd $opts is up (pid $(cat "$WORK/dockerd.pid"))"
        return 0
      fi
      kill -0 "$(cat "$WORK/dockerd.pid")" 2>/dev/null || break
      sleep 0.5
    done
    echo "dockerd $opts failed:"
    tail -15 "$WORK/dockerd-$n.log"
    kill "$(cat "$WORK/dockerd.pid")" 2>/dev/null || true
    sleep 2
  done
  return 1
}

NODE_BIN=$(readlink -f "$(command -v node)")
NODE_PREFIX=$(dirname "$(dirname "$NODE_BIN")") # /usr for /usr/bin/node, /usr/local for /usr/local/bin/node
NODE_VERSION=$("$NODE_BIN" -p 'process.versions.node')
EXTRA_CA_DIR=/usr/local/share/ca-certificates
ROOTFS=$WORK/rootfs-node

bootstrap_rootfs() {
  local mirror
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2; exit}' || true)
  mirror=${mirror:-$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)}
  rm -rf "$ROOTFS"
  debootstrap --variant=minbase "$SUITE" "$ROOTFS" "${mirror:-http://deb.debian.org/debian}"
}

populate_rootfs() {
  local R=$ROOTFS
  install -D -m 0755 "$NODE_BIN" "$R/usr/local/bin/node"
  mkdir -p "$R/usr/local/lib/node_modules"
  cp -a "$NODE_PREFIX/lib/node_modules/npm" "$R/usr/local/lib/node_modules/"
  if [ -d "$NODE_PREFIX/lib/node_modules/corepack" ]; then
    cp -a "$NODE_PREFIX/lib/node_modules/corepack" "$R/usr/local/lib/node_modules/"
    ln -sf ../lib/node_modules/corepack/dist/corepack.js "$R/usr/local/bin/corepack"
  fi
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  chroot "$R" groupadd --gid 1000 node
  chroot "$R" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # The official image's entrypoint (docker-library/node, docker-entrypoint.sh).
  cat >"$R/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# Run command with node if the first argument contains a "-" or is not a system command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 0755 "$R/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$R/usr/local/share/ca-certificates"
  : >"$R/usr/local/share/ca-certificates/extra-ca.pem"
  if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    cat "$EXTRA_CA_DIR"/*.crt >"$R/usr/local/share/ca-certificates/extra-ca.pem"
  fi
  rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/* "$R"/usr/share/doc/* "$R"/usr/share/man/* \
    "$R"/usr/share/info/* "$R"/var/log/* "$R"/tmp/*
  chroot "$R" env -i PATH=/usr/local/bin:/usr/bin:/bin node -v
  chroot "$R" env -i PATH=/usr/local/bin:/usr/bin:/bin npm -v
}

import_stand_in() { # import_stand_in TAG...
  local first=$1
  tar --numeric-owner -C "$ROOTFS" -c . | docker import \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/extra-ca.pem" \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' \
    - "$first"
  shift
  for tag in "$@"; do docker tag "$first" "$tag"; done
  docker images node
}

smoke() { # a container of the base image runs, as the node user, with Node and npm
  docker run --rm "$1" node -e 'console.log("node", process.version)'
  docker run --rm -u node "$1" npm -v
}

ryuk() { # 3. testcontainers' reaper (its REAPER_IMAGE honours RYUK_CONTAINER_IMAGE)
  local image disabled=false
  image=$(cd "$ROOT" && node -p 'require("testcontainers/build/reaper/reaper.js").REAPER_IMAGE' 2>/dev/null) ||
    fail "testcontainers is not installed (run npm ci first): cannot tell which reaper image it wants."
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    quiet_step pull-ryuk timeout "$PULL_TIMEOUT_S" docker pull "$image" || disabled=true
  fi
  echo "TESTCONTAINERS_RYUK_DISABLED=$disabled"
}

engine() {
  # 1. An engine.
  if ! daemon_up; then
    [ "$(id -u)" = 0 ] || fail "no Docker engine answers and this is not root, so none can be installed or started here."
    if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
      command -v apt-get >/dev/null || fail "no Docker engine answers and there is no apt-get to install Debian's docker.io."
      step install-packages install_packages || fail "apt-get could not install docker.io (log: $WORK/logs/install-packages.log)."
    fi
    step start-dockerd start_dockerd || fail "dockerd did not start (logs: $WORK/dockerd-*.log)."
  fi

  # 2. The Dockerfile's base images.
  mapfile -t BASES < <(awk 'toupper($1) == "FROM" {print $2}' "$ROOT/Dockerfile" | sort -u)
  missing=()
  for image in "${BASES[@]}"; do
    docker image inspect "$image" >/dev/null 2>&1 && continue
    if quiet_step "pull-$image" timeout "$PULL_TIMEOUT_S" docker pull "$image"; then continue; fi
    missing+=("$image")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "no registry answers for ${missing[*]}: building a local stand-in" >&2
    [ "$(id -u)" = 0 ] || fail "base images ${missing[*]} cannot be pulled, and a stand-in needs root (debootstrap)."
    case "$NODE_VERSION" in 20.*) ;; *) fail "the stand-in copies this machine's Node, which is $NODE_VERSION, not 20 as the Dockerfile names." ;; esac
    if ! command -v debootstrap >/dev/null; then
      step install-packages install_packages || fail "apt-get could not install debootstrap."
    fi
    step debootstrap bootstrap_rootfs || fail "debootstrap failed (log: $WORK/logs/debootstrap.log)."
    step populate-rootfs populate_rootfs || fail "the stand-in's root file system could not be populated."
    step import-stand-in import_stand_in "${missing[@]}" || fail "docker import of the stand-in failed."
    rm -rf "$ROOTFS"
  fi
  step smoke smoke "${BASES[-1]}" || fail "a container of ${BASES[-1]} does not run (log: $WORK/logs/smoke.log)."
}

case "$MODE" in
  all)
    engine
    ryuk
    ;;
  engine) engine ;;
  ryuk)
    daemon_up || fail "no Docker engine answers."
    ryuk
    ;;
esac
