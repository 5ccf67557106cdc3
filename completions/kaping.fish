complete -c kaping -s c -l count -d 'Stop after COUNT probes per target [default: until interrupted]' -r
complete -c kaping -s i -l interval -d 'Time between the starts of consecutive probes' -r
complete -c kaping -s W -l timeout -l rpc-timeout -d 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe\'s name for it' -r
complete -c kaping -s w -l deadline -d 'End the whole run after DURATION, whatever the count' -r
complete -c kaping -s m -l mode -d 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)' -r
complete -c kaping -l send -d 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does' -r
complete -c kaping -l expect -d 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]' -r
complete -c kaping -l service -d 'gRPC health: the service to ask about (empty: the server as a whole)' -r
complete -c kaping -l authority -d 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port' -r
complete -c kaping -s H -l header -d 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed' -r
complete -c kaping -l method -d 'HTTP: the request method, GET or HEAD' -r
complete -c kaping -l expect-status -d 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]' -r
complete -c kaping -l subprotocol -d 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)' -r
complete -c kaping -l ca -d 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable' -r
complete -c kaping -l cert -d 'Client certificate chain (PEM) for mutual TLS; goes with --key' -r -F
complete -c kaping -l key -d 'Client private key (PEM) for mutual TLS; goes with --cert' -r -F
complete -c kaping -l sni -d 'Name to send in SNI and verify the certificate against, instead of the host' -r
complete -c kaping -l resolve -d 'Connect to ADDR for HOST:PORT, as curl\'s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it' -r
complete -c kaping -l proxy -d 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]' -r
complete -c kaping -l noproxy -d 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or \'*\' for all; replaces no_proxy' -r
complete -c kaping -l connect-timeout -d 'How long opening a connection (TCP, a proxy\'s tunnel, TLS, the protocol\'s handshake) may take, as curl\'s; the probe\'s timeout then counts from the open connection [default: the probe\'s timeout covers both]' -r
complete -c kaping -l tcp-keepalive -d 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3' -r
complete -c kaping -l tcp-user-timeout -d 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged' -r
complete -c kaping -l max-loss -d 'Exit 1 when the loss exceeds PCT (0%, 1.5%)' -r
complete -c kaping -l max-rtt -d 'Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION' -r
complete -c kaping -l rtt-stat -d 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter' -r
complete -c kaping -l exit-codes -d 'The numbers the exit status uses: kaping\'s (see Exit status below) or grpc_health_probe\'s, for scripts written for it (1 usage, 2 no connection, 3 the call failed, 4 not SERVING; -c defaults to 1)' -r -f -a "kaping\t'0 healthy, 1 unhealthy, 2 usage or setup error'
grpc-health-probe\t'grpc_health_probe\'s: 0 SERVING, 1 usage, 2 connection failure, 3 RPC failure (a status, a timeout, the connection lost mid-call), 4 not SERVING'"
complete -c kaping -l fresh -d 'A new connection for every probe, timing TCP connect, TLS, the WebSocket upgrade or HTTP/2 handshake, and the first round trip separately'
complete -c kaping -l http1.1 -d 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
complete -c kaping -l http2 -d 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
complete -c kaping -s k -l insecure -d 'Do not verify TLS certificates (said on stderr)'
complete -c kaping -s 4 -d 'Use IPv4 addresses only (through a proxy: for the proxy\'s own address, since the proxy resolves the target)'
complete -c kaping -s 6 -d 'Use IPv6 addresses only (through a proxy: for the proxy\'s own address)'
complete -c kaping -l each-address -d 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
complete -c kaping -s q -l quiet -d 'Print only the header and the summary'
complete -c kaping -s D -d 'Print a timestamp (Unix time with microseconds) before each line, as ping -D does'
complete -c kaping -s O -d 'Say "no answer yet for seq=N" when the next probe comes due while one still waits for its reply (-W longer than -i), as ping -O does'
complete -c kaping -s v -l verbose -d 'Show what was said on the wire, as curl -v does: the proxy\'s answer, the TLS handshake\'s outcome (version, cipher, ALPN, certificate), the WebSocket upgrade, each HTTP request and response head, each gRPC call and its status; secret header values (-H, credentials, cookies) as ***'
complete -c kaping -l wide -d 'Show every column of the summary table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)'
complete -c kaping -l json -d 'Print one JSON document at the end instead of text'
complete -c kaping -l ndjson -d 'Print records as they happen, one JSON object a line (see docs/schema.md)'
complete -c kaping -l demo -d 'Probe a responder started inside this process (no outside server needed)'
complete -c kaping -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kaping -s V -l version -d 'Print version'
