# Reads the report of `/usr/bin/time -v` (run with -F': ') and prints the
# wall seconds, the CPU seconds (user + system) and the peak RSS in KiB:
# shared by the bench scripts so that they measure alike.
/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
/User time \(seconds\)|System time \(seconds\)/ { cpu += $2 }
/Maximum resident set size/ { rss = $2 }
END { print s, cpu, rss }
