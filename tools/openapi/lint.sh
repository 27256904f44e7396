#!/usr/bin/env bash
# Lints an OpenAPI document with Spectral (spectral:oas, .spectral.yaml) and Redocly (recommended,
# redocly.yaml); fails on any error or warning of either. Run by `make lint-openapi`, which
# installs the pinned packages first (npm ci) when node_modules is missing.
set -euo pipefail
doc=$(realpath "$1")
cd "$(dirname "$0")"
bin=node_modules/.bin
echo "spectral (spectral:oas):"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity warn --format text "$doc"
echo "redocly (recommended):"
# Redocly fails on errors only: its JSON report's totals tell the warnings too. (Its banner about
# the Node.js version goes to stderr.)
report=$("$bin/redocly" lint --config redocly.yaml --format json --max-problems 1000 "$doc" 2>/dev/null) || true
node -e '
const r = JSON.parse(process.argv[1]);
for (const p of r.problems) console.log(`${p.location[0].pointer} ${p.severity} ${p.ruleId}: ${p.message}`);
console.log(`${r.totals.errors} errors, ${r.totals.warnings} warnings`);
process.exit(r.totals.errors + r.totals.warnings > 0 ? 1 : 0);
' "$report"
