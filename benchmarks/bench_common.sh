# Shell functions shared by bench_peers.sh and bench_scaling.sh (sourced, not run). The
# sourcing script defines `say` and, before calling `meta`, RESULTS.

# `ensure_venv VENV PYTHON`: creates VENV with benchmarks/peers/requirements.txt installed,
# reinstalling when that file changes (its hash is kept in VENV), and sets PY to its python.
ensure_venv() {
    local venv="$1" python="$2" requirements="$ROOT/benchmarks/peers/requirements.txt"
    local stamp="$venv/.requirements.sha256" want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ ! -x "$venv/bin/python" ]; then
        say "creating $venv"
        "$python" -m venv "$venv" || { rm -rf "$venv"; say "'$python -m venv' failed; on Debian: apt-get install python3-venv"; exit 1; }
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing $requirements into $venv"
        "$venv/bin/python" -m pip install -q -r "$requirements"
        echo "$want" > "$stamp"
    fi
    PY="$venv/bin/python"
}

# `meta WHAT VALUE`: one JSON line describing the run, appended to $RESULTS.
meta() {
    printf '{"bench": "meta", "what": "%s", "value": "%s"}\n' "$1" \
        "$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')" >> "$RESULTS"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# `timed LOG COMMAND...`: runs COMMAND with its output in LOG and prints its wall seconds,
# max RSS (KB), user and system CPU seconds and exit status (also kept in LOG's .time
# file): GNU time where there is one, else Python's os.wait4 (the child's own rusage).
timed() {
    local log="$1" out="${1%.log}.time"
    shift
    rm -f "$out"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e %M %U %S %x' -o "$out" "$@" > "$log" 2>&1 || say "failed: $* (see $log)"
    else
        "${PY:-python3}" - "$out" "$@" > "$log" 2>&1 <<'PY' || say "failed: $* (see $log)"
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
open(out, "w").write(f"{time.perf_counter() - start:.2f} {usage.ru_maxrss} {usage.ru_utime:.2f} {usage.ru_stime:.2f} {os.waitstatus_to_exitcode(status)}\n")
sys.exit(os.waitstatus_to_exitcode(status))
PY
    fi
    tail -1 "$out" 2>/dev/null || echo "0 0 0 0 -1"
}
