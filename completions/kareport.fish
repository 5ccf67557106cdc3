complete -c kareport -l group-by -d 'Group by target, protocol, mode, hour, day or hour-of-day (UTC; hour-of-day puts the same hour of every day together: when in the day it goes bad)' -r
complete -c kareport -l since -d 'Only records at or after this time (RFC 3339, e.g. 2026-11-20T00:00:00Z)' -r
complete -c kareport -l until -d 'Only records before this time (RFC 3339)' -r
complete -c kareport -l format -d 'Output format' -r -f -a "table\t'A terminal table'
json\t'One JSON document'
csv\t'Comma-separated values, one row per group'
markdown\t'A Markdown table'"
complete -c kareport -l plot -d 'Also draw RTT over time per group, down periods shaded, as an SVG file' -r -F
complete -c kareport -l max-loss -d 'Exit 1 when the loss exceeds PCT (0%, 1.5%)' -r
complete -c kareport -l max-rtt -d 'Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION' -r
complete -c kareport -l rtt-stat -d 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter' -r
complete -c kareport -l min-availability -d 'Exit 1 when a watched group\'s availability is below PCT' -r
complete -c kareport -l json -d 'Same as --format json'
complete -c kareport -l csv -d 'Same as --format csv'
complete -c kareport -l wide -d 'Show every column of the table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)'
complete -c kareport -l skip-invalid -d 'Count, report on stderr and skip lines that are not valid records'
complete -c kareport -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kareport -s V -l version -d 'Print version'
