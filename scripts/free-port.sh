# Shell functions for scripts/with-postgres.sh and scripts/with-s3.sh, which source this file to
# start their throwaway server on a free port of 127.0.0.1.

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Usage: start_on_free_port START_FUNCTION OVERRIDE_VARIABLE FIRST_PORT LAST_PORT
#
# Calls START_FUNCTION with each candidate port that nothing listens on until one call succeeds,
# and sets the global `port` to that port. The candidates are the port in the environment
# variable named OVERRIDE_VARIABLE when it is set, else FIRST_PORT to LAST_PORT, so that two test
# runs on one machine do not share a server. Two runs starting together may pick the same port:
# START_FUNCTION then returns 1 for the run that lost the bind, which moves on to the next port.
# START_FUNCTION exits the script on any other failure. Exits with status 1 when no port is left.
start_on_free_port() {
  local start=$1 override=$2 first=$3 last=$4
  local candidates candidate
  if [[ -n "${!override:-}" ]]; then
    candidates=("${!override}")
  else
    candidates=($(seq "$first" "$last"))
  fi
  port=
  for candidate in "${candidates[@]}"; do
    if port_in_use "$candidate"; then
      continue
    fi
    if "$start" "$candidate"; then
      port=$candidate
      return 0
    fi
  done
  echo "error: no free port in ${candidates[0]}-${candidates[-1]}; set $override" >&2
  exit 1
}
