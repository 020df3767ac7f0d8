#!/bin/sh
# Install what the Spark engine needs: Java 17+ (Debian's OpenJDK) and PySpark in the venv.
# Idempotent: does nothing when both are present at the pinned versions.
set -eu
cd "$(dirname "$0")/.."

PY="${VENV:-.venv}/bin/python"
LOCK=requirements-spark.lock
JDK_PACKAGE=openjdk-17-jre-headless

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

install_java() {
    if [ "$(id -u)" = "0" ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "setup-spark: Java 17+ is missing and cannot be installed (not root, no sudo)." >&2
        echo "setup-spark: run 'sudo apt-get install -y $JDK_PACKAGE' and try again." >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup-spark: no apt-get here; install Java 17 or newer by hand." >&2
        exit 1
    fi
    echo "setup-spark: installing $JDK_PACKAGE with apt-get"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$JDK_PACKAGE"
}

if [ ! -x "$PY" ]; then
    echo "setup-spark: $PY not found; run 'make test' (or 'make .venv/.installed') first." >&2
    exit 1
fi

major="$(java_major 2>/dev/null || true)"
if [ -z "$major" ] || [ "$major" -lt 17 ]; then
    install_java
    major="$(java_major)"
fi
echo "setup-spark: Java $major present"

want="$(sed -n 's/^pyspark==//p' "$LOCK")"
have="$("$PY" -c 'import importlib.metadata as m; print(m.version("pyspark"))' 2>/dev/null || true)"
if [ "$have" != "$want" ]; then
    echo "setup-spark: installing pyspark $want (built from its source archive on first install)"
    "$PY" -m pip install --quiet -r "$LOCK"
fi
echo "setup-spark: pyspark $want present"
