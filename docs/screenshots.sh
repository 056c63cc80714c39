#!/usr/bin/env bash
# Screenshots of the real app for README.md (docs/images/*.png), taken on a virtual X display:
#   xvfb-run -a -s "-screen 0 1400x900x24" docs/screenshots.sh [BUILD_DIR]     (default build/ci)
# Needs xwd, xdotool and ImageMagick's convert. Settings and the job store go to a throw-away directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
sluice=$build/gui/sluice
engine=$build/engine/sluice-engine
out=docs/images
work=$(mktemp -d)
app=
cleanup() {
  [[ -n $app ]] && kill "$app" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data SLUICE_ENGINE=$engine
mkdir -p "$XDG_CONFIG_HOME/sluice" "$out"

"$engine" synth --output "$work/demo.h5" --rows 1024 --points 8192 --rate 4e6 >/dev/null

start() { # start the app on the demo file and wait for its window
  "$sluice" "$work/demo.h5" >"$work/app.log" 2>&1 &
  app=$!
  window=$(xdotool search --sync --name 'demo.h5 — Sluice' | head -1)
  sleep "${1:-3}" # the tree listing, the first row and its preview
}
stop() {
  kill "$app"
  wait "$app" 2>/dev/null || true
  app=
}
shot() { xwd -silent -id "$window" | convert xwd:- "png:$out/$1.png"; }

# 1. A first start with the file: tree, attributes and the raw pixel with its spectrum.
start
shot main-window
stop

# 2. A low-pass and a notch (noise band) with a noise threshold, as the designer restores the last recipe.
recipe='{"format": "sluice-recipe", "version": 1, "filters": [{"type": "low_pass", "cutoff_hz": 1000000, "roll_off": 0.05}, {"type": "noise_band", "freqs_hz": [480000], "widths_hz": [40000]}], "noise_threshold": 0.0005}'
printf '[recipe]\nlast="%s"\n' "${recipe//\"/\\\"}" >"$XDG_CONFIG_HOME/sluice/sluice.conf"
start
shot filter-designer

# 3. Run on this computer (Alt+R): the job in the Jobs view with its details, done.
xdotool windowfocus --sync "$window" key alt+r
for _ in $(seq 120); do
  "$build/cli/sluice-cli" status 2>/dev/null | grep -q ' done ' && break
  sleep 1
done
sleep 2 # the view and the details pane follow the job store
shot run-panel
stop

# 4. Submit to a Cluster (Ctrl+Shift+R) with a profile: the job script as it would be submitted, and the
# line of a scaling study of that profile. The study is made up (a cluster is not at hand): its timings,
# 1 to 64 ranks on a 64-row sample, are written into the job store as `sluice-cli scaling` keeps them,
# with the recipe of the run of step 3.
cat >"$XDG_CONFIG_HOME/sluice/profiles.json" <<'JSON'
{"format": "sluice-profiles", "version": 1, "profiles": [{"name": "hpc", "scheduler": "slurm",
 "host": "login.hpc.example.org", "scratch_dir": "/scratch/alice", "partition": "short", "nodes": 1,
 "tasks_per_node": 32, "walltime": "02:00:00", "modules": ["load hdf5/1.10"],
 "engine": {"module": "sluice/1.0"}}]}
JSON
python3 - "$XDG_DATA_HOME/sluice/jobs.sqlite" <<'PY'
import hashlib, json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
recipe = db.execute("SELECT recipe_json FROM jobs WHERE profile = 'local' LIMIT 1").fetchone()[0]
def run(ranks, wall, growing, startup):  # the slowest rank: start-up, the growing part, finish
    phases = {"startup_process": startup, "read": 0, "compute": growing, "write": 0, "finish": 0}
    stats = {"total": {"rows": 64, "ranks": ranks},
             "ranks": [{"wall_s": startup + growing, "rows": 0, "phases_s": phases}] * ranks}
    return {"ranks": ranks, "wall_s": wall, "exit_code": 0, "stats": stats}
study = {"sample_rows": 64, "first_row": 0, "dataset_rows": 1024, "points": 8192,
         "runs": [run(r, 2 + g, g, 1) for r, g in [(1, 96), (2, 49), (4, 25), (8, 14), (16, 9), (32, 7), (64, 6)]]}
at = int(time.mktime((2026, 12, 3, 12, 0, 0, 0, 0, -1))) * 1000
db.execute("INSERT INTO scaling_studies VALUES (?, 'hpc', 1024, 8192, ?, ?, ?)",
           ("20261203-101500-5c0a1e", hashlib.sha256(recipe.encode()).hexdigest(), at, json.dumps(study)))
db.commit()
PY
start
xdotool windowfocus --sync "$window" key ctrl+shift+r
dialog=$(xdotool search --sync --name 'Submit to a cluster' | head -1)
sleep 3 # the input's hash and the first plan
xwd -silent -id "$dialog" | convert xwd:- "png:$out/submit-dialog.png"
stop

# 5. Jobs → Cluster Profiles… on that profile: its pages, Test Connection and Deploy Engine….
start
xdotool windowfocus --sync "$window" key alt+j p
dialog=$(xdotool search --sync --name 'Cluster profiles' | head -1)
sleep 1
xwd -silent -id "$dialog" | convert xwd:- "png:$out/profiles-dialog.png"
stop
# 6. A small screen (1024×700) and a recipe the file cannot take (a 2.5 MHz cut-off, Nyquist is 2 MHz):
# the problem bar, a click on its entry (the cursor goes to the field), the raw data still drawn.
recipe='{"format": "sluice-recipe", "version": 1, "filters": [{"type": "low_pass", "cutoff_hz": 2500000, "roll_off": 0.05}, {"type": "noise_band", "freqs_hz": [480000, 960000], "widths_hz": [40000, 40000]}, {"type": "harmonic_pass", "first_hz": 100000, "band_width_hz": 10000, "num_harmonics": 3}]}'
printf '[recipe]\nlast="%s"\n' "${recipe//\"/\\\"}" >"$XDG_CONFIG_HOME/sluice/sluice.conf"
start
xdotool windowsize --sync "$window" 1024 700
xdotool windowfocus --sync "$window" key alt+v l # View → Reset Layout: the docks' shares of 1024×700
sleep 1
xdotool mousemove --window "$window" 870 100 click 1 # the first entry of the bar
sleep 1
shot designer-invalid
stop
echo "wrote $out/main-window.png $out/filter-designer.png $out/run-panel.png $out/submit-dialog.png" \
  "$out/profiles-dialog.png $out/designer-invalid.png"
