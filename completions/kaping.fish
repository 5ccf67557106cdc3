complete -c kaping -s c -l count -d 'Stop after COUNT probes per target [default: until interrupted]' -r
complete -c kaping -s i -l interval -d 'Time between the starts of consecutive probes' -r
complete -c kaping -s W -l timeout -d 'How long each probe waits for its reply (and a connection for its handshake)' -r
complete -c kaping -s w -l deadline -d 'End the whole run after DURATION, whatever the count' -r
complete -c kaping -s m -l mode -d 'echo: one persistent connection, a line and its reply per probe; connect: a fresh TCP connection per probe, timing the handshake' -r
complete -c kaping -l send -d 'Line each echo probe sends; {seq} and {ts_ms} are replaced' -r
complete -c kaping -l expect -d 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]' -r
complete -c kaping -l tcp-keepalive -d 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3' -r
complete -c kaping -l tcp-user-timeout -d 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged' -r
complete -c kaping -l max-loss -d 'Exit 1 when a target\'s loss exceeds PCT (0%, 1.5%)' -r
complete -c kaping -l max-rtt -d 'Exit 1 when a target\'s RTT statistic (see --rtt-stat) exceeds DURATION' -r
complete -c kaping -l rtt-stat -d 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter' -r
complete -c kaping -s q -l quiet -d 'Print only the header and the summary'
complete -c kaping -l json -d 'Print one JSON document at the end instead of text'
complete -c kaping -l ndjson -d 'Print records as they happen, one JSON object a line (see docs/schema.md)'
complete -c kaping -l demo -d 'Probe a responder started inside this process (no outside server needed)'
complete -c kaping -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kaping -s V -l version -d 'Print version'
