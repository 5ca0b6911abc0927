#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, type-checks and lints, then runs every suite:
#   unit (mocha, plain Node) · webview (real bundle in headless Chromium) · integration (inside the
#   real VS Code extension host of code-server) · integration-untrusted (the same, Workspace Trust on
#   and the folder in Restricted Mode) · e2e (the panel driven as a user in real VS Code;
#   its screenshots go to a temporary folder, and to media/screenshots only with WSWB_SCREENSHOTS=1:
#   `npm run screenshots`) · workflow-e2e (a user driving real VS Code in
#   Chromium: activity bar, palette, quick picks, status bar) · vsix-e2e (the production .vsix
#   installed into a fresh code-server with --install-extension and used from the palette) · remote-e2e
#   (code-server as the remote window it is: a page from another origin reaches a mock through the
#   forwarded URL after the user allows it). Ends with one line: `N passed, N failed`.
# WSWB_SUITES="unit webview integration" picks suites and WSWB_GREP filters the integration tests;
# either one narrows the run, which the closing line then says (and which suites did not run). CI
# (CI set) refuses both: a green CI run is always the whole run. Extra args are ignored.
# A suite that runs zero tests, or exits without results, counts as failed.
set -uo pipefail
cd "$(dirname "$0")/.."

all_suites="unit webview integration integration-untrusted e2e workflow-e2e vsix-e2e remote-e2e"
if [ -n "${CI:-}" ] && [ "${CI:-}" != "false" ] && [ -n "${WSWB_SUITES:-}${WSWB_GREP:-}" ]; then
  echo "[test] CI runs every suite and every test: unset WSWB_SUITES (${WSWB_SUITES:-unset}) and WSWB_GREP (${WSWB_GREP:-unset})."
  echo "0 passed, 1 failed"
  exit 1
fi

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

results=.test-results
rm -rf "$results"; mkdir -p "$results"
failed_checks=0

echo; echo "[test] building…"
node scripts/build.mjs || { echo "0 passed, 1 failed"; exit 1; }

echo "[test] type-checking (core without DOM or vscode; host; webview; tests)…"
if ! npm run -s typecheck; then echo "[test] type-check FAILED"; failed_checks=$((failed_checks + 1)); fi
echo "[test] linting (architecture fences)…"
if ! npx eslint src webview test; then echo "[test] lint FAILED"; failed_checks=$((failed_checks + 1)); fi

suites="${WSWB_SUITES:-$all_suites}"
run_suite() {
  local name="$1"; shift
  echo; echo "[test] ── suite: $name ──"
  local started=$SECONDS
  WSWB_SUITE="$name" WSWB_RESULTS_FILE="$PWD/$results/$name.json" "$@"
  local rc=$?
  if [ ! -s "$results/$name.json" ]; then
    echo "{\"suite\":\"$name\",\"passed\":0,\"failed\":1,\"pending\":0,\"error\":\"exit $rc without results\"}" > "$results/$name.json"
  elif grep -q '"passed":0,"failed":0' "$results/$name.json"; then
    # Zero tests is not a pass: a left-over WSWB_GREP, a renamed folder or a broken glob would hide everything.
    echo "{\"suite\":\"$name\",\"passed\":0,\"failed\":1,\"pending\":0,\"error\":\"ran 0 tests\"}" >> "$results/$name.json"
  elif [ $rc -ne 0 ] && grep -q '"failed":0' "$results/$name.json"; then
    # The runner failed after its tests passed (e.g. a crash in teardown): that is a failure too.
    echo "{\"suite\":\"$name\",\"passed\":0,\"failed\":1,\"pending\":0,\"error\":\"exit $rc\"}" >> "$results/$name.json"
  fi
  echo "[test] suite $name took $((SECONDS - started)) s"
}

for s in $suites; do
  case "$s" in
    unit) run_suite unit npx mocha --config test/unit/.mocharc.json 'test/unit/**/*.test.ts' ;;
    webview) run_suite webview npx mocha --config test/webview/.mocharc.json 'test/webview/**/*.test.ts' ;;
    integration) run_suite integration npx tsx test/host/runIntegration.ts ;;
    integration-untrusted) run_suite integration-untrusted npx tsx test/host/runIntegration.ts --untrusted ;;
    e2e) run_suite e2e npx tsx test/host/runE2E.ts ;;
    workflow-e2e) run_suite workflow-e2e npx tsx test/host/runWorkflowE2E.ts ;;
    vsix-e2e) run_suite vsix-e2e npx tsx test/host/runVsixE2E.ts ;;
    remote-e2e) run_suite remote-e2e npx tsx test/host/runRemoteE2E.ts ;;
    *) echo "[test] unknown suite $s"; failed_checks=$((failed_checks + 1)) ;;
  esac
done

node -e '
  const fs = require("fs"), dir = process.argv[1], extra = Number(process.argv[2]);
  const ran = process.argv[3].split(/\s+/).filter(Boolean), all = process.argv[4].split(/\s+/), grep = process.argv[5];
  let passed = 0, failed = extra, pending = 0;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    for (const line of fs.readFileSync(dir + "/" + f, "utf8").split("\n").filter(Boolean)) {
      const r = JSON.parse(line);
      console.log(`[test] ${r.suite}: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ""}${r.hidden ? ` (${r.hidden} of them never ran: a hook failed)` : ""}${r.error ? ` (${r.error})` : ""}`);
      passed += r.passed; failed += r.failed; pending += r.pending;
    }
  }
  if (extra) console.log(`[test] static checks: ${extra} failed`);
  const notRun = all.filter((s) => !ran.includes(s));
  const narrowed = [];
  if (notRun.length) narrowed.push(`not run: ${notRun.join(" ")}`);
  if (grep) narrowed.push(`integration filtered by WSWB_GREP=${JSON.stringify(grep)}`);
  console.log(`${passed} passed, ${failed} failed` + (pending ? `, ${pending} skipped` : "") + (narrowed.length ? ` (narrowed run; ${narrowed.join("; ")})` : ""));
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
' "$results" "$failed_checks" "$suites" "$all_suites" "${WSWB_GREP:-}"
