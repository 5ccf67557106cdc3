
use builtin;
use str;

set edit:completion:arg-completer[kawatch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kawatch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kawatch'= {
            cand --targets-file 'Read more targets from FILE, one a line; ''#'' starts a comment'
            cand -i 'Time between keepalives; ''off'' sends none and watches how long an idle connection lives and how it ends [default: 5s; off with --mode watch]'
            cand --interval 'Time between keepalives; ''off'' sends none and watches how long an idle connection lives and how it ends [default: 5s; off with --mode watch]'
            cand --watch-down-on '--mode watch: the health statuses that take a target down, comma-separated; any other status but SERVING makes it degraded'
            cand -W 'How long a keepalive (and a connection attempt) may wait for its answer'
            cand --timeout 'How long a keepalive (and a connection attempt) may wait for its answer'
            cand --max-missed 'Missed keepalives in a row that take a connection down'
            cand --degraded-rtt 'A keepalive slower than this makes the connection degraded'
            cand --backoff 'Reconnect backoff, from MIN doubling up to MAX'
            cand --backoff-multiplier 'Growth of the backoff per attempt'
            cand --jitter 'Random spread of each backoff delay, either way'
            cand --max-attempts 'Reconnect attempts in a row before a target is left down'
            cand --duration 'End the watch after DURATION'
            cand --until 'End as soon as every target is in this state (for scripts; see -w)'
            cand -w 'With --until: give up after DURATION (exit 1)'
            cand --deadline 'With --until: give up after DURATION (exit 1)'
            cand --fail-on 'Exit 1 if any target went down during the watch'
            cand --exporter 'Run as a Prometheus exporter on ADDR (PORT alone: loopback), with blackbox_exporter''s contract: GET /probe?target=T&module=M probes T once with module M (tcp_echo, ws_ping, grpc_health, http_request, ...: one per protocol and mode), /metrics has the exporter''s own; its address is said on stderr'
            cand --allow-targets 'With --exporter: where probes may go, a comma list of names (covering their subdomains), addresses and CIDR ranges, each with an optional :PORT, or :PORT alone [default: anywhere]'
            cand --config 'With --exporter: more modules, in YAML shaped like blackbox_exporter''s (modules: NAME: protocol, mode, timeout, watch, interval, max_missed, headers, tls, proxy, send, expect, grpc.service, http.method, http.expect_status); read again on SIGHUP and POST /-/reload'
            cand --max-watchers 'With --exporter: connections held by watch_ modules at most; a scrape that would start another is answered 503'
            cand --max-probes 'With --exporter: one-shot probes at once; more are answered 503'
            cand --metrics 'Serve Prometheus metrics on ADDR at /metrics (its address is said on stderr)'
            cand --metrics-file 'Write Prometheus metrics to PATH, atomically, every second and at the end (node_exporter''s textfile collector)'
            cand --send 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does'
            cand --expect 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]'
            cand --service 'gRPC health: the service to ask about (empty: the server as a whole)'
            cand --authority 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port'
            cand -H 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed'
            cand --header 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed'
            cand --method 'HTTP: the request method, GET or HEAD'
            cand --expect-status 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]'
            cand --subprotocol 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)'
            cand --ca 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable'
            cand --cert 'Client certificate chain (PEM) for mutual TLS; goes with --key'
            cand --key 'Client private key (PEM) for mutual TLS; goes with --cert'
            cand --sni 'Name to send in SNI and verify the certificate against, instead of the host'
            cand --resolve 'Connect to ADDR for HOST:PORT, as curl''s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it'
            cand --proxy 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]'
            cand --noproxy 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or ''*'' for all; replaces no_proxy'
            cand --connect-timeout 'How long opening a connection (TCP, a proxy''s tunnel, TLS, the protocol''s handshake) may take, as curl''s; the probe''s timeout then counts from the open connection [default: the probe''s timeout covers both]'
            cand --tcp-keepalive 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3'
            cand --tcp-user-timeout 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged'
            cand -m 'tcp: echo (a line and its reply on one connection); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)'
            cand --mode 'tcp: echo (a line and its reply on one connection); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)'
            cand --ndjson 'Print records as they happen, one JSON object a line (see docs/schema.md)'
            cand --relative 'Timestamps relative to the start instead of RFC 3339 UTC'
            cand -v 'Print every keepalive''s result too, not only transitions and server pings'
            cand --verbose 'Print every keepalive''s result too, not only transitions and server pings'
            cand --wide 'Show every column of the closing table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)'
            cand --http1.1 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
            cand --http2 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
            cand -k 'Do not verify TLS certificates (said on stderr)'
            cand --insecure 'Do not verify TLS certificates (said on stderr)'
            cand -4 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)'
            cand -6 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)'
            cand --each-address 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
