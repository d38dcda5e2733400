#!/usr/bin/env bash
# Build a free-threaded CPython (./configure --disable-gil) from the upstream source into a
# prefix, for server.python. Usage (as root, Debian or Ubuntu):
#
#     scripts/free-threaded-python.sh [PREFIX]        # default PREFIX: /opt/python-ft
#
# The source: python.org's tarball of FT_VERSION (default 3.14.2) when that host answers;
# otherwise the upstream tarball as Debian ships it (the `orig` tarball of its python3.14
# source package, else python3.13's: sid, forky, then trixie), fetched with `apt-get source`
# from a deb-src entry this script adds for the machine's own Debian mirror (removed after). Build dependencies come from apt. On
# 2 cores the build takes about 3 minutes. Prints the new interpreter's path last.
#
# With internet, no build is needed: `uv python install 3.14t`, or python.org's installers.
set -euo pipefail

PREFIX="${1:-/opt/python-ft}"
FT_VERSION="${FT_VERSION:-3.14.2}"
WORK="$(mktemp -d)"
SRC_LIST=/etc/apt/sources.list.d/syncblock-python-src.sources
trap 'rm -rf "$WORK"; rm -f "$SRC_LIST"' EXIT
say() { echo "free-threaded-python: $*" >&2; }

build_deps=(
    build-essential pkg-config curl xz-utils libbz2-dev libffi-dev libgdbm-dev
    libgdbm-compat-dev liblzma-dev libncurses-dev libreadline-dev libsqlite3-dev
    libssl-dev uuid-dev zlib1g-dev
)

upstream() {  # python.org's tarball, when reachable
    local url="https://www.python.org/ftp/python/${FT_VERSION}/Python-${FT_VERSION}.tar.xz"
    curl -fsSL --max-time 20 -o "$WORK/src.tar.xz" "$url" 2>/dev/null || return 1
    say "source: $url"
}

debian_source() {  # the same upstream tarball, as Debian's source package carries it
    local uri list
    uri="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
    [ -n "$uri" ] || uri="$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)"
    [ -n "$uri" ] || { say "no Debian mirror configured"; return 1; }
    list="$SRC_LIST"
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
        "$uri" "sid forky trixie" /usr/share/keyrings/debian-archive-keyring.gpg >"$list"
    apt-get update -qq
    # newest first; a mirror may list a suite's sources yet not serve them: try the next
    for try in python3.14:sid python3.14:forky python3.13:sid python3.13:forky python3.13:trixie; do
        local pkg="${try%%:*}" suite="${try##*:}" orig
        if (cd "$WORK" && apt-get source --download-only -qq -t "$suite" "$pkg" >/dev/null 2>&1)
        then
            orig="$(ls "$WORK"/"${pkg}"_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n1)"
            if [ -n "$orig" ]; then
                mv "$orig" "$WORK/src.tar.${orig##*.tar.}"
                say "source: Debian's $(basename "$orig") (upstream tarball)"
                return 0
            fi
        fi
    done
    say "no python3.14 or python3.13 source package found"
    return 1
}

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${build_deps[@]}" >/dev/null
upstream || debian_source || { say "no CPython source reachable"; exit 1; }

mkdir "$WORK/src"
tar -xf "$WORK"/src.tar.* -C "$WORK/src" --strip-components=1
cd "$WORK/src"
say "configure --disable-gil --prefix=$PREFIX"
./configure --disable-gil --prefix="$PREFIX" --with-ensurepip=install >"$WORK/configure.log" 2>&1 \
    || { tail -n 20 "$WORK/configure.log"; exit 1; }
make -j"$(nproc)" >"$WORK/make.log" 2>&1 || { tail -n 30 "$WORK/make.log"; exit 1; }
make install >"$WORK/install.log" 2>&1 || { tail -n 30 "$WORK/install.log"; exit 1; }

python="$(ls "$PREFIX"/bin/python3.*t 2>/dev/null | grep -v config | head -n1)"
"$python" -c 'import sys, sysconfig; assert sysconfig.get_config_var("Py_GIL_DISABLED"); \
assert not sys._is_gil_enabled(); print(sys.version)' >&2
echo "$python"
