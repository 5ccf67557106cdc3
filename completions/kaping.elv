
use builtin;
use str;

set edit:completion:arg-completer[kaping] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kaping'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kaping'= {
            cand -c 'Stop after COUNT probes per target [default: until interrupted]'
            cand --count 'Stop after COUNT probes per target [default: until interrupted]'
            cand -i 'Time between the starts of consecutive probes'
            cand --interval 'Time between the starts of consecutive probes'
            cand -W 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe''s name for it'
            cand --timeout 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe''s name for it'
            cand --rpc-timeout 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe''s name for it'
            cand -w 'End the whole run after DURATION, whatever the count'
            cand --deadline 'End the whole run after DURATION, whatever the count'
            cand -m 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)'
            cand --mode 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)'
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
            cand --max-loss 'Exit 1 when the loss exceeds PCT (0%, 1.5%)'
            cand --max-rtt 'Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION'
            cand --rtt-stat 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter'
            cand --exit-codes 'The numbers the exit status uses: kaping''s (see Exit status below) or grpc_health_probe''s, for scripts written for it (1 usage, 2 no connection, 3 the call failed, 4 not SERVING; -c defaults to 1)'
            cand --fresh 'A new connection for every probe, timing TCP connect, TLS, the WebSocket upgrade or HTTP/2 handshake, and the first round trip separately'
            cand --http1.1 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
            cand --http2 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
            cand -k 'Do not verify TLS certificates (said on stderr)'
            cand --insecure 'Do not verify TLS certificates (said on stderr)'
            cand -4 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)'
            cand -6 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)'
            cand --each-address 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
            cand -q 'Print only the header and the summary'
            cand --quiet 'Print only the header and the summary'
            cand -D 'Print a timestamp (Unix time with microseconds) before each line, as ping -D does'
            cand -O 'Say "no answer yet for seq=N" when the next probe comes due while one still waits for its reply (-W longer than -i), as ping -O does'
            cand -v 'Show what was said on the wire, as curl -v does: the proxy''s answer, the TLS handshake''s outcome (version, cipher, ALPN, certificate), the WebSocket upgrade, each HTTP request and response head, each gRPC call and its status; secret header values (-H, credentials, cookies) as ***'
            cand --verbose 'Show what was said on the wire, as curl -v does: the proxy''s answer, the TLS handshake''s outcome (version, cipher, ALPN, certificate), the WebSocket upgrade, each HTTP request and response head, each gRPC call and its status; secret header values (-H, credentials, cookies) as ***'
            cand --wide 'Show every column of the summary table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)'
            cand --json 'Print one JSON document at the end instead of text'
            cand --ndjson 'Print records as they happen, one JSON object a line (see docs/schema.md)'
            cand --demo 'Probe a responder started inside this process (no outside server needed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
