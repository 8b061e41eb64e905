#!/usr/bin/env bash
# Refresh the vendored front-end files under web/static/vendor/ from the npm registry.
# No Node build step: we copy the published CSS/JS/fonts and their licences as they are.
# Bump a version here, run this script, look at the pages, commit the result.
set -euo pipefail
DS_CSS=1.22.0       # @digdir/designsystemet-css
DS_THEME=1.11.0     # @digdir/designsystemet-theme (brand "digdir")
HTMX=2.0.11         # htmx.org
INTER=5.3.0         # @fontsource/inter (the theme's font)

out="$(cd "$(dirname "$0")/.." && pwd)/web/static/vendor"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "@digdir/designsystemet-css@$DS_CSS" "@digdir/designsystemet-theme@$DS_THEME" \
  "htmx.org@$HTMX" "@fontsource/inter@$INTER" >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done

cp digdir-designsystemet-css-*/package/dist/src/index.css "$out/designsystemet/designsystemet.css"
cp digdir-designsystemet-css-*/package/LICENSE "$out/designsystemet/LICENSE-designsystemet-css"
cp digdir-designsystemet-theme-*/package/brand/digdir.css "$out/designsystemet/theme-digdir.css"
cp digdir-designsystemet-theme-*/package/LICENSE "$out/designsystemet/LICENSE-designsystemet-theme"
cp htmx.org-*/package/dist/htmx.min.js htmx.org-*/package/LICENSE "$out/htmx/"
for w in 400 500 600; do cp fontsource-inter-*/package/files/inter-latin-$w-normal.woff2 "$out/inter/"; done
cp fontsource-inter-*/package/LICENSE "$out/inter/LICENSE"
echo "vendored: designsystemet-css $DS_CSS, theme $DS_THEME, htmx $HTMX, inter $INTER"
