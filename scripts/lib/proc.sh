# shellcheck shell=bash
# Process, port and timing helpers for the local control-plane scripts.
# Processes are tracked by PID *and* start time (field 22 of /proc/PID/stat), so a
# recycled PID is never signalled. Only 127.0.0.1 is ever probed.

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

# port_free PORT -> 0 if nothing listens on TCP PORT (any address).
port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# free_ports N -> N distinct free TCP ports on 127.0.0.1 (space separated).
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

proc_starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

# proc_alive PID STARTTIME -> 0 if that exact process is still running (not a zombie).
proc_alive() {
  local st state
  st=$(proc_starttime "$1") || return 1
  [ -n "$st" ] && [ "$st" = "$2" ] || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
  [ "$state" != Z ]
}

# proc_any_alive PIDSFILE
proc_any_alive() {
  local n p s
  while read -r n p s; do
    [ -n "${p:-}" ] && proc_alive "$p" "$s" && return 0
  done <"$1"
  return 1
}

# start_bg DIR NAME LOG CMD... -> starts CMD in its own session, appends
# "NAME PID STARTTIME" to DIR/pids, sets LAST_PID.
start_bg() {
  local dir=$1 name=$2 log=$3; shift 3
  setsid "$@" </dev/null >"$log" 2>&1 &
  LAST_PID=$!
  local st
  st=$(proc_starttime "$LAST_PID")
  echo "$name $LAST_PID $st" >>"$dir/pids"
}

# wait_until TIMEOUT DESC PID LOG CMD... -> polls CMD every 0.2 s until it succeeds;
# fails early (printing the log tail) if PID exits, or after TIMEOUT seconds.
# With WAIT_REPORT_T0 set (a `now` value; local-up sets it), each success is reported as it happens:
#   [  12.3s] ready: kube-apiserver member1 /readyz (waited 5.1s)
wait_until() {
  local timeout=$1 desc=$2 pid=$3 log=$4; shift 4
  local deadline started
  started=$(now)
  deadline=$(awk -v t="$started" -v d="$timeout" 'BEGIN{printf "%.3f", t+d}')
  while :; do
    if "$@" >/dev/null 2>&1; then
      if [ -n "${WAIT_REPORT_T0:-}" ]; then
        awk -v t0="$WAIT_REPORT_T0" -v s="$started" -v n="$(now)" -v d="$desc" \
          'BEGIN{printf "  [%6.1fs] ready: %s (waited %.1fs)\n", n-t0, d, n-s}'
      fi
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "wait: $desc: process $pid exited; last log lines of $log:" >&2
      tail -n 30 "$log" | sed 's/^/    /' >&2
      return 1
    fi
    if awk -v t="$(now)" -v d="$deadline" 'BEGIN{exit !(t>d)}'; then
      echo "wait: $desc: not ready after ${timeout}s; last log lines of $log:" >&2
      tail -n 30 "$log" | sed 's/^/    /' >&2
      return 1
    fi
    sleep 0.2
  done
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_s() { # utime+stime in seconds
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$1/stat" 2>/dev/null
}

# stop_recorded PIDSFILE [GRACE_S] -> SIGTERM every recorded live process (last
# started first), SIGKILL after GRACE_S (default 10). Never signals a recycled PID.
stop_recorded() {
  local file=$1 grace=${2:-10} lines=() i n p s waited
  mapfile -t lines <"$file"
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    read -r n p s <<<"${lines[$i]}"
    [ -n "${p:-}" ] || continue
    if ! proc_alive "$p" "$s"; then echo "  $n (pid $p): not running"; continue; fi
    kill -TERM "$p" 2>/dev/null || true
    waited=0
    while proc_alive "$p" "$s" && [ "$waited" -lt $((grace * 10)) ]; do sleep 0.1; waited=$((waited + 1)); done
    if proc_alive "$p" "$s"; then
      kill -KILL "$p" 2>/dev/null || true
      echo "  $n (pid $p): SIGKILL after ${grace}s"
    else
      echo "  $n (pid $p): stopped in $(awk -v w="$waited" 'BEGIN{printf "%.1f", w/10}') s"
    fi
  done
}
