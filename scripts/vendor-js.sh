#!/usr/bin/env bash
# Refresh the vendored JavaScript under rnnlab/web/static/vendor/ from npm.
#
# Pinned versions. vega-lite must match the Vega-Lite schema that Altair writes:
#   .venv/bin/python -c "import altair; print(altair.SCHEMA_VERSION)"
# The script refuses to run when they disagree. axe-core is only used by the
# browser tests (injected into pages), never by the app itself.
set -euo pipefail

VEGA=6.4.0
VEGA_LITE=6.4.1
VEGA_EMBED=7.3.0
KATEX=0.19.1
AXE_CORE=4.14.1

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/rnnlab/web/static/vendor"
python="${PYTHON:-$root/.venv/bin/python}"

if [ -x "$python" ]; then
  schema="$("$python" -c 'import altair; print(altair.SCHEMA_VERSION)')"
  if [ "$schema" != "v$VEGA_LITE" ]; then
    echo "vega-lite $VEGA_LITE does not match Altair's schema $schema: update VEGA_LITE" >&2
    exit 1
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
for spec in "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" "katex@$KATEX" "axe-core@$AXE_CORE"; do
  name="${spec%@*}"
  npm pack --silent "$spec" >/dev/null
  mkdir -p "$name"
  tar xzf "$name"-*.tgz -C "$name" --strip-components=1
done

# The page's CSP forbids eval, so Vega must run its expressions in vega-interpreter
# (charts.js passes `ast: true`). vega-embed 7 bundles it into vega-embed.min.js and
# uses it when asked; should a later vega-embed stop bundling it, vendor it here.
if ! grep -q '"vega-interpreter"' vega-embed/package.json; then
  echo "vega-embed $VEGA_EMBED does not bundle vega-interpreter: the charts would need eval (see charts.js)" >&2
  exit 1
fi

rm -rf "$dest"
mkdir -p "$dest/katex/fonts" "$dest/licenses"
cp vega/build/vega.min.js "$dest/vega.min.js"
cp vega-lite/build/vega-lite.min.js "$dest/vega-lite.min.js"
cp vega-embed/build/vega-embed.min.js "$dest/vega-embed.min.js"
cp katex/dist/katex.min.js "$dest/katex/katex.min.js"
# Only the woff2 fonts ship (every browser that runs the lesson reads woff2);
# the stylesheet is rewritten to stop pointing at the woff and ttf copies.
cp katex/dist/fonts/*.woff2 "$dest/katex/fonts/"
sed -E -e 's/,url\(fonts\/[A-Za-z0-9_-]+\.woff\) format\("woff"\)//g' \
       -e 's/,url\(fonts\/[A-Za-z0-9_-]+\.ttf\) format\("truetype"\)//g' \
       katex/dist/katex.min.css > "$dest/katex/katex.min.css"
cp axe-core/axe.min.js "$dest/axe.min.js"
for name in vega vega-lite vega-embed katex axe-core; do
  cp "$name/LICENSE" "$dest/licenses/$name.LICENSE.txt"
done

cat > "$dest/VERSIONS" <<VERSIONS
# Written by scripts/vendor-js.sh from the npm registry; do not edit by hand.
vega $VEGA
vega-lite $VEGA_LITE
vega-embed $VEGA_EMBED
katex $KATEX
axe-core $AXE_CORE (browser tests only)
VERSIONS
echo "vendored into $dest:"
cat "$dest/VERSIONS"
