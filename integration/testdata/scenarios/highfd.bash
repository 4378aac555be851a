# Descriptors a script numbers itself, at and around the numbers where zvfs
# keeps its connections to the supervisor (from 256, or half a low
# descriptor limit): bash probes a number before it redirects it, and must
# find nothing there, as it would without zvfs.
ulimit -n 4096 2>/dev/null
for n in 100 127 128 256 257 258 300 511 512 2047 2048; do
	eval "exec $n>\"\$D/f$n\"" || echo "exec $n failed"
	eval "echo hi $n >&$n"
	eval "exec $n>&-"
	eval "echo gone $n >&$n" 2>/dev/null || echo "$n closed"
done
for n in 256 257; do
	(eval "exec $n<\"\$D/f$n\""; eval "read -r line <&$n"; echo "subshell $n: $line")
done
cat "$D"/f* | sort -n -k2
