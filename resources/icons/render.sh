#!/bin/sh
# Render the PNG sizes of the application icon from sluice.svg (librsvg2-bin). The PNGs are committed,
# so a build needs no SVG renderer; run this after editing the SVG.
set -eu
cd "$(dirname "$0")"
for s in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$s" -h "$s" sluice.svg -o "sluice-$s.png"
done
