#!/bin/sh
# Installs what reading scanned PDFs needs when it is missing: Debian's
# tesseract-ocr with its English data (the recogniser), and poppler-utils
# (pdftoppm renders a page to an image, pdfimages tells a scan's resolution,
# pdftotext is the second text extractor). `necessity run` works without
# them; scans are then `pdf_no_text` records. The OCR tests need them, and
# fonts-dejavu-core, which draws their typed fixtures' Courier.
set -eu

missing=""
command -v tesseract >/dev/null 2>&1 || missing="$missing tesseract-ocr"
# The English model: tesseract without it recognises nothing.
if ! ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1; then
    missing="$missing tesseract-ocr-eng"
fi
for tool in pdftoppm pdftotext pdfimages; do
    command -v "$tool" >/dev/null 2>&1 || { missing="$missing poppler-utils"; break; }
done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || missing="$missing fonts-dejavu-core"

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
