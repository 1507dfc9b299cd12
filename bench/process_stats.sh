# Shell functions for the benchmark scripts that measure a running server: bench/search_compare.sh,
# bench/postgres_search.sh and bench/list_cpu.sh source this file.

# Prints the median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '
    { value[NR] = $1 }
    END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }'
}

# Prints the CPU time, in nanoseconds, that process $1 and all its threads have run.
cpu_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ total += $1 } END { printf "%.0f\n", total }'
}
