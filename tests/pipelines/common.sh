# shellcheck shell=sh
# Shared by the pipeline tests (sourced). The Meson test sets PIPELINES
# (the scripts), OUT (a folder for outputs) and PYTHON3.
set -eu

: "${PIPELINES:?}" "${OUT:?}"
PYTHON3=${PYTHON3:-python3}
export SINK=fakesink
mkdir -p "$OUT"

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

# start_rtsp_server LOG PORT DURATION: the loopback RTSP test server in the
# background, its output in LOG, on PORT (0: a port the system chooses, so
# that no other test can take it between the choice and the listening), for
# DURATION seconds (0: until stopped). Sets $server (its process) and $url
# (from its "ready" line) once it listens.
start_rtsp_server () {
  PORT=$2 DURATION=$3 "$PIPELINES/rtsp-server.sh" > "$1" 2>&1 &
  server=$!
  end=$(($(date +%s) + 15))
  while :; do
    url=$(sed -n 's/^ready //p' "$1")
    [ -n "$url" ] && break
    if ! kill -0 "$server" 2> /dev/null; then
      cat "$1" >&2
      fail "the RTSP test server stopped before listening"
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      cat "$1" >&2
      fail "the RTSP test server did not listen within 15 s"
    fi
    sleep 0.1
  done
}

# count_lines FILE: lines in FILE, 0 if it does not exist
count_lines () {
  if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi
}

# wait_lines FILE N SECONDS: until FILE has at least N lines
wait_lines () {
  end=$(($(date +%s) + $3))
  while [ "$(count_lines "$1")" -lt "$2" ]; do
    [ "$(date +%s)" -lt "$end" ] ||
      fail "$1: $(count_lines "$1") lines after $3 s, expected $2"
    sleep 0.2
  done
}

# check_report FILE MIN-LINES [SOURCE-URI]: every line is an edgereport
# object with at least one classification; frames go up one by one within
# a run of a pipeline (a new run starts again from a lower frame). Prints
# the number of runs.
check_report () {
  "$PYTHON3" - "$@" <<'PY'
import json, sys
path, minimum = sys.argv[1], int(sys.argv[2])
uri = sys.argv[3] if len(sys.argv) > 3 else None
lines = open(path).read().splitlines()
if len(lines) < minimum:
    sys.exit("%s: %d lines, expected at least %d" % (path, len(lines), minimum))
runs, last = 0, None
for n, line in enumerate(lines, 1):
    o = json.loads(line)
    where = "%s:%d" % (path, n)
    assert o["schema_version"] == 1, where
    assert o["stream_id"], where
    assert o["timestamp"].endswith("Z"), where
    assert o["width"] > 0 and o["height"] > 0, where
    assert o["classifications"], where + ": no classification"
    for c in o["classifications"]:
        assert isinstance(c["label"], str) and c["label"], where
        assert 0.0 <= c["confidence"] <= 1.0, where
        assert len(c["top_labels"]) == len(c["top_confidences"]), where
        assert c["schema_version"] == 2, where
    if uri is not None:
        assert o["source_uri"] == uri, "%s: source_uri %r" % (where, o["source_uri"])
    if last is None or o["frame"] <= last:
        runs += 1
    elif o["frame"] != last + 1:
        sys.exit("%s: frame %d after %d: a frame without results" % (where, o["frame"], last))
    last = o["frame"]
print(runs)
PY
}
