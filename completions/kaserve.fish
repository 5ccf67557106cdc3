complete -c kaserve -s l -l listen -d 'Where to listen: IP:PORT or PORT (loopback); with several responders, PROTOCOL=IP:PORT, repeated' -r
complete -c kaserve -l ping-interval -d 'WebSocket: send a Ping to every client this often' -r
complete -c kaserve -l ping-timeout -d 'WebSocket: close with 1011 when a Pong is this late' -r
complete -c kaserve -l status -d 'gRPC health status, repeatable: STATUS for the whole server, or SERVICE=STATUS (SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN); other services answer NOT_FOUND' -r
complete -c kaserve -l flip -d 'gRPC: flip SERVICE ("" or nothing before = is the whole server) between SERVING and NOT_SERVING every DURATION, repeatable; Watch streams see each change at once' -r
complete -c kaserve -l ping-min-interval -d 'gRPC: client PINGs closer together than this earn a strike (grpc-go MinTime)' -r
complete -c kaserve -l max-ping-strikes -d 'gRPC: strikes allowed before GOAWAY ENHANCE_YOUR_CALM' -r
complete -c kaserve -l max-connection-idle -d 'gRPC: graceful GOAWAY after this long without active streams' -r
complete -c kaserve -l max-connection-age -d 'gRPC: graceful GOAWAY after this long, whatever the connection is doing' -r
complete -c kaserve -l max-connection-age-grace -d 'gRPC: after the age GOAWAY, close the connection this much later at the latest' -r
complete -c kaserve -l keepalive-timeout -d 'HTTP: close a kept-alive connection idle this long (nginx keepalive_timeout)' -r
complete -c kaserve -l max-requests -d 'HTTP: requests one connection may carry; the last says Connection: close (HTTP/2: a GOAWAY after it), as nginx\'s keepalive_requests' -r
complete -c kaserve -l path-status -d 'HTTP: the status a path answers, repeatable (other paths answer 200)' -r
complete -c kaserve -l client-timeout -d 'Every protocol: close a client silent for longer than this (counted from its last activity), logging why' -r
complete -c kaserve -l client-ping-interval -d 'Every protocol: ping a client silent for longer than this in its protocol\'s way (a PING line, a Ping frame, an HTTP/2 PING); default half the timeout' -r
complete -c kaserve -l fault -d 'Misbehave on purpose, repeatable: [PROTOCOL:]FAULT[,FAULT...] with FAULT one of close-idle=DUR, drop-idle=DUR, blackhole-after=DUR, ignore-pings, delay-pongs=DUR, reset-after=DUR, goaway-after=DUR (grpc), close-code=N (ws)' -r
complete -c kaserve -l tls-cert -d 'Server certificate chain (PEM); implies --tls' -r -F
complete -c kaserve -l tls-key -d 'Server private key (PEM); implies --tls' -r -F
complete -c kaserve -l tls-client-ca -d 'Require client certificates signed by this CA (PEM); implies --tls' -r -F
complete -c kaserve -l ndjson -d 'Log events as JSON records, one a line'
complete -c kaserve -l permit-without-stream -d 'gRPC: hold PINGs without active streams to --ping-min-interval, not two hours'
complete -c kaserve -l keepalive-header -d 'HTTP: announce --keepalive-timeout and --max-requests in a Keep-Alive header'
complete -c kaserve -l tls -d 'Serve TLS (wss, grpcs, https); without --tls-cert/--tls-key a self-signed certificate for localhost, 127.0.0.1 and ::1 is generated and its path logged'
complete -c kaserve -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kaserve -s V -l version -d 'Print version'
