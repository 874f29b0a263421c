#!/bin/sh
# Installs Debian's Java 17 runtime when no Java is present: the Python
# package's PySpark test starts a local Spark, which runs on the JVM, and CI
# machines may start without one. Python's venv module comes with it.
set -eu

if command -v java >/dev/null 2>&1 && python3 -c "import venv, ensurepip" 2>/dev/null; then
    echo "java present: $(command -v java)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-java: java or python3-venv is missing and installing them needs root (apt-get install openjdk-17-jre-headless python3-venv)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless python3-venv >/dev/null
echo "java installed: $(command -v java)"
