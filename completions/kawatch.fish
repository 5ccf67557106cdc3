complete -c kawatch -l targets-file -d 'Read more targets from FILE, one a line; \'#\' starts a comment' -r -F
complete -c kawatch -s i -l interval -d 'Time between keepalives; \'off\' sends none and watches how long an idle connection lives and how it ends [default: 5s; off with --mode watch]' -r
complete -c kawatch -l watch-down-on -d '--mode watch: the health statuses that take a target down, comma-separated; any other status but SERVING makes it degraded' -r
complete -c kawatch -s W -l timeout -d 'How long a keepalive (and a connection attempt) may wait for its answer' -r
complete -c kawatch -l max-missed -d 'Missed keepalives in a row that take a connection down' -r
complete -c kawatch -l degraded-rtt -d 'A keepalive slower than this makes the connection degraded' -r
complete -c kawatch -l backoff -d 'Reconnect backoff, from MIN doubling up to MAX' -r
complete -c kawatch -l backoff-multiplier -d 'Growth of the backoff per attempt' -r
complete -c kawatch -l jitter -d 'Random spread of each backoff delay, either way' -r
complete -c kawatch -l max-attempts -d 'Reconnect attempts in a row before a target is left down' -r
complete -c kawatch -l duration -d 'End the watch after DURATION' -r
complete -c kawatch -l until -d 'End as soon as every target is in this state (for scripts; see -w)' -r -f -a "up\t''
down\t''"
complete -c kawatch -s w -l deadline -d 'With --until: give up after DURATION (exit 1)' -r
complete -c kawatch -l fail-on -d 'Exit 1 if any target went down during the watch' -r -f -a "down\t''"
complete -c kawatch -l exporter -d 'Run as a Prometheus exporter on ADDR (PORT alone: loopback), with blackbox_exporter\'s contract: GET /probe?target=T&module=M probes T once with module M (tcp_echo, ws_ping, grpc_health, http_request, ...: one per protocol and mode), /metrics has the exporter\'s own; its address is said on stderr' -r
complete -c kawatch -l allow-targets -d 'With --exporter: where probes may go, a comma list of names (covering their subdomains), addresses and CIDR ranges, each with an optional :PORT, or :PORT alone [default: anywhere]' -r
complete -c kawatch -l config -d 'With --exporter: more modules, in YAML shaped like blackbox_exporter\'s (modules: NAME: protocol, mode, timeout, watch, interval, max_missed, headers, tls, proxy, send, expect, grpc.service, http.method, http.expect_status); read again on SIGHUP and POST /-/reload' -r -F
complete -c kawatch -l max-watchers -d 'With --exporter: connections held by watch_ modules at most; a scrape that would start another is answered 503' -r
complete -c kawatch -l max-probes -d 'With --exporter: one-shot probes at once; more are answered 503' -r
complete -c kawatch -l metrics -d 'Serve Prometheus metrics on ADDR at /metrics (its address is said on stderr)' -r
complete -c kawatch -l metrics-file -d 'Write Prometheus metrics to PATH, atomically, every second and at the end (node_exporter\'s textfile collector)' -r -F
complete -c kawatch -l send -d 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does' -r
complete -c kawatch -l expect -d 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]' -r
complete -c kawatch -l service -d 'gRPC health: the service to ask about (empty: the server as a whole)' -r
complete -c kawatch -l authority -d 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port' -r
complete -c kawatch -s H -l header -d 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed' -r
complete -c kawatch -l method -d 'HTTP: the request method, GET or HEAD' -r
complete -c kawatch -l expect-status -d 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]' -r
complete -c kawatch -l subprotocol -d 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)' -r
complete -c kawatch -l ca -d 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable' -r
complete -c kawatch -l cert -d 'Client certificate chain (PEM) for mutual TLS; goes with --key' -r -F
complete -c kawatch -l key -d 'Client private key (PEM) for mutual TLS; goes with --cert' -r -F
complete -c kawatch -l sni -d 'Name to send in SNI and verify the certificate against, instead of the host' -r
complete -c kawatch -l resolve -d 'Connect to ADDR for HOST:PORT, as curl\'s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it' -r
complete -c kawatch -l proxy -d 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]' -r
complete -c kawatch -l noproxy -d 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or \'*\' for all; replaces no_proxy' -r
complete -c kawatch -l connect-timeout -d 'How long opening a connection (TCP, a proxy\'s tunnel, TLS, the protocol\'s handshake) may take, as curl\'s; the probe\'s timeout then counts from the open connection [default: the probe\'s timeout covers both]' -r
complete -c kawatch -l tcp-keepalive -d 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3' -r
complete -c kawatch -l tcp-user-timeout -d 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged' -r
complete -c kawatch -s m -l mode -d 'tcp: echo (a line and its reply on one connection); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)' -r
complete -c kawatch -l ndjson -d 'Print records as they happen, one JSON object a line (see docs/schema.md)'
complete -c kawatch -l relative -d 'Timestamps relative to the start instead of RFC 3339 UTC'
complete -c kawatch -s v -l verbose -d 'Print every keepalive\'s result too, not only transitions and server pings'
complete -c kawatch -l wide -d 'Show every column of the closing table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)'
complete -c kawatch -l http1.1 -d 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
complete -c kawatch -l http2 -d 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
complete -c kawatch -s k -l insecure -d 'Do not verify TLS certificates (said on stderr)'
complete -c kawatch -s 4 -d 'Use IPv4 addresses only (through a proxy: for the proxy\'s own address, since the proxy resolves the target)'
complete -c kawatch -s 6 -d 'Use IPv6 addresses only (through a proxy: for the proxy\'s own address)'
complete -c kawatch -l each-address -d 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
complete -c kawatch -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kawatch -s V -l version -d 'Print version'
