#!/bin/sh
# Installs Debian's chromium when it is missing: the review page's end-to-end
# test drives a real headless browser, and CI machines start without one.
set -eu
exec sh "$(dirname "$0")/install-if-missing.sh" 'command -v chromium' chromium fonts-dejavu-core
