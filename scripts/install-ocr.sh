#!/bin/sh
# Installs what reading scanned PDFs needs when it is missing: Debian's
# tesseract-ocr with its English data (the recogniser), and poppler-utils
# (pdftoppm renders a page to an image, pdftotext is the second text
# extractor). `necessity run` works without them; scans are then
# `pdf_no_text` records, and the OCR tests need them.
set -eu

missing=""
command -v tesseract >/dev/null 2>&1 || missing="$missing tesseract-ocr"
# The English model: tesseract without it recognises nothing.
if ! ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1; then
    missing="$missing tesseract-ocr-eng"
fi
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
    || missing="$missing poppler-utils"

if [ -z "$missing" ]; then
    echo "OCR tools present: $(command -v tesseract), $(command -v pdftoppm)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-ocr: missing$missing; installing needs root (apt-get install$missing)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the package names are meant to split
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "OCR tools installed:$missing"
