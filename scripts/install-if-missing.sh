#!/bin/sh
# Installs Debian packages when a check fails: what the tests need from the
# system (a browser for the review page, Java for the PySpark job) and clean
# CI machines start without.
#
#   scripts/install-if-missing.sh 'command -v java' openjdk-17-jre-headless
#
# The check is a shell command; when it succeeds nothing is installed.
set -eu

check=$1
shift
if sh -c "$check" >/dev/null 2>&1; then
    echo "present: $check"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-if-missing: '$check' fails and installing $* needs root (apt-get install $*)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
echo "installed: $*"
