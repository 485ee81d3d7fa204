#!/usr/bin/env bash
# The product as an operator gets it: build the wheel, install it into a fresh virtualenv, and use it from
# a temporary directory that holds nothing of the repository. Run by .ci/run; by hand: bash .ci/wheel-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="$(mktemp -d /tmp/pnet-cds-wheel.XXXXXX)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "wheel smoke test FAILED: $*" >&2; [ -f "$work/serve.log" ] && tail -n 20 "$work/serve.log" >&2; exit 1; }

echo "wheel: building"
python3 -m pip wheel --no-deps --wheel-dir "$work/dist" "$repo" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; fail "pip wheel"; }
grep -A3 "Warning" "$work/build.log" >&2 || true  # shown, not fatal: a new setuptools may deprecate something
rm -rf "$repo/build"  # setuptools' in-tree build folder
wheel="$(ls "$work"/dist/pnet_cds-*.whl)"
python3 - "$wheel" "$repo/hooks.json" <<'EOF' || fail "the wheel's layout"
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
assert tops == {"pnet_cds"}, f"top-level names other than pnet_cds: {sorted(tops)}"
for needed in ("pnet_cds/hooks.json", "pnet_cds/openapi.yaml", "pnet_cds/schemas/card-file.schema.json",
               "pnet_cds/card_files/ssa-in-insulinoma.yaml", "pnet_cds/card_files/valuesets/basic-metabolic-panel.yaml",
               "pnet_cds/card_files/service/draft-not-checked.yaml",
               "pnet_cds/fhir_fixtures/ssa-in-insulinoma--octreotide-sc-malignant-insulinoma.json",
               "pnet_cds/migrations/script.py.mako", "pnet_cds/migrations/versions/0001_initial.py",
               "pnet_cds/static/sandbox/index.html", "pnet_cds/static/dashboard/index.html", "pnet_cds/presets/cds-hooks-sandbox.json"):
    assert needed in names, f"missing from the wheel: {needed}"
hooks = zipfile.ZipFile(sys.argv[1]).read("pnet_cds/hooks.json")
assert hooks == open(sys.argv[2], "rb").read(), "pnet_cds/hooks.json differs from the repository's hooks.json"
print(f"wheel: {len(names)} files, all under pnet_cds/")
EOF

echo "wheel: installing into a fresh virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel" 2>"$work/pip.log" || { cat "$work/pip.log" >&2; fail "pip install"; }
mkdir "$work/run" && cd "$work/run"
unset DATABASE_URL PNET_CDS_DATABASE_URL PNET_CDS_FIXTURES_DIR PNET_CDS_CARDS_DIR PNET_CDS_HOOKS_FILE PYTHONPATH
export PNET_CDS_INSTANCE_DIR="$work/instance"
bin="$work/venv/bin"
site="$("$bin/python" -c 'import pnet_cds, pathlib; print(pathlib.Path(pnet_cds.__file__).parent.parent)')"
case "$site" in "$work/venv/"*) ;; *) fail "pnet_cds was imported from $site, not from the new virtualenv" ;; esac

"$bin/pnet-cds" fixtures > fixtures.txt
count="$(grep -c -- '--' fixtures.txt || true)"
[ "$count" -gt 100 ] || fail "pnet-cds fixtures listed $count patients"
grep -q '^ssa-in-insulinoma--octreotide-sc-malignant-insulinoma$' fixtures.txt || fail "fixtures: the insulinoma patient is missing"
echo "wheel: pnet-cds fixtures lists $count patients"

"$bin/pnet-cds" fire order-sign ssa-in-insulinoma--octreotide-sc-malignant-insulinoma > fire.txt || fail "pnet-cds fire (in-process)"
grep -q 'rule: ssa-in-insulinoma ' fire.txt || fail "pnet-cds fire gave no ssa-in-insulinoma card: $(head -c 400 fire.txt)"
echo "wheel: pnet-cds fire order-sign gives the ssa-in-insulinoma card"

"$bin/pnet-cds" catalog --output catalog.md >/dev/null
grep -q 'ssa-in-insulinoma' catalog.md || fail "pnet-cds catalog --output wrote no catalog"
[ ! -e "$site/docs" ] || fail "pnet-cds catalog wrote into site-packages"

if "$bin/pnet-cds" new-rule wheel-smoke-rule > new-rule.txt 2>&1; then fail "pnet-cds new-rule ran outside a checkout"; fi
grep -q 'run it inside a git checkout' new-rule.txt || fail "pnet-cds new-rule did not say it needs a checkout: $(head -c 400 new-rule.txt)"
[ ! -e "$site/card_files/wheel-smoke-rule.yaml" ] && [ ! -e "$site/pnet_cds/card_files/wheel-smoke-rule.yaml" ] \
    || fail "pnet-cds new-rule wrote into site-packages"
echo "wheel: pnet-cds new-rule says it needs a checkout"

port="$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin/pnet-cds" serve --port "$port" --workers 1 > "$work/serve.log" 2>&1 &
server=$!
"$bin/python" - "$port" <<'EOF' || fail "serve: /readyz and /sandbox/api/fixtures"
import json, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 90
while True:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=5) as answer:
            ready = json.load(answer)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit("serve: /readyz did not answer 200 within 90 s")
        time.sleep(0.5)
assert ready["status"] == "ready", ready
with urllib.request.urlopen(base + "/sandbox/api/fixtures", timeout=10) as answer:
    names = [f["name"] for f in json.load(answer)["fixtures"]]
assert len(names) > 100 and "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma" in names, names[:3]
print(f"wheel: pnet-cds serve is ready ({ready['checks']['cards']}); /sandbox/api/fixtures lists {len(names)} patients")
EOF
"$bin/pnet-cds" fire order-sign ssa-in-insulinoma--octreotide-sc-malignant-insulinoma --url "http://127.0.0.1:$port" \
    > fire-url.txt || fail "pnet-cds fire --url (signed by the development issuer): $(head -c 400 fire-url.txt)"
grep -q 'rule: ssa-in-insulinoma ' fire-url.txt || fail "pnet-cds fire --url gave no ssa-in-insulinoma card"
echo "wheel: pnet-cds fire --url against the served wheel gives the card (JWT from the development issuer)"
echo "wheel smoke test passed"
