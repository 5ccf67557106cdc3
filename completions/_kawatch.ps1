
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kawatch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kawatch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kawatch' {
            [CompletionResult]::new('--targets-file', '--targets-file', [CompletionResultType]::ParameterName, 'Read more targets from FILE, one a line; ''#'' starts a comment')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Time between keepalives; ''off'' sends none and watches how long an idle connection lives and how it ends [default: 5s; off with --mode watch]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between keepalives; ''off'' sends none and watches how long an idle connection lives and how it ends [default: 5s; off with --mode watch]')
            [CompletionResult]::new('--watch-down-on', '--watch-down-on', [CompletionResultType]::ParameterName, '--mode watch: the health statuses that take a target down, comma-separated; any other status but SERVING makes it degraded')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'How long a keepalive (and a connection attempt) may wait for its answer')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a keepalive (and a connection attempt) may wait for its answer')
            [CompletionResult]::new('--max-missed', '--max-missed', [CompletionResultType]::ParameterName, 'Missed keepalives in a row that take a connection down')
            [CompletionResult]::new('--degraded-rtt', '--degraded-rtt', [CompletionResultType]::ParameterName, 'A keepalive slower than this makes the connection degraded')
            [CompletionResult]::new('--backoff', '--backoff', [CompletionResultType]::ParameterName, 'Reconnect backoff, from MIN doubling up to MAX')
            [CompletionResult]::new('--backoff-multiplier', '--backoff-multiplier', [CompletionResultType]::ParameterName, 'Growth of the backoff per attempt')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Random spread of each backoff delay, either way')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Reconnect attempts in a row before a target is left down')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'End the watch after DURATION')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'End as soon as every target is in this state (for scripts; see -w)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'With --until: give up after DURATION (exit 1)')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'With --until: give up after DURATION (exit 1)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 if any target went down during the watch')
            [CompletionResult]::new('--exporter', '--exporter', [CompletionResultType]::ParameterName, 'Run as a Prometheus exporter on ADDR (PORT alone: loopback), with blackbox_exporter''s contract: GET /probe?target=T&module=M probes T once with module M (tcp_echo, ws_ping, grpc_health, http_request, ...: one per protocol and mode), /metrics has the exporter''s own; its address is said on stderr')
            [CompletionResult]::new('--allow-targets', '--allow-targets', [CompletionResultType]::ParameterName, 'With --exporter: where probes may go, a comma list of names (covering their subdomains), addresses and CIDR ranges, each with an optional :PORT, or :PORT alone [default: anywhere]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'With --exporter: more modules, in YAML shaped like blackbox_exporter''s (modules: NAME: protocol, mode, timeout, watch, interval, max_missed, headers, tls, proxy, send, expect, grpc.service, http.method, http.expect_status); read again on SIGHUP and POST /-/reload')
            [CompletionResult]::new('--max-watchers', '--max-watchers', [CompletionResultType]::ParameterName, 'With --exporter: connections held by watch_ modules at most; a scrape that would start another is answered 503')
            [CompletionResult]::new('--max-probes', '--max-probes', [CompletionResultType]::ParameterName, 'With --exporter: one-shot probes at once; more are answered 503')
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics on ADDR at /metrics (its address is said on stderr)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write Prometheus metrics to PATH, atomically, every second and at the end (node_exporter''s textfile collector)')
            [CompletionResult]::new('--send', '--send', [CompletionResultType]::ParameterName, 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'gRPC health: the service to ask about (empty: the server as a whole)')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP: the request method, GET or HEAD')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]')
            [CompletionResult]::new('--subprotocol', '--subprotocol', [CompletionResultType]::ParameterName, 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate chain (PEM) for mutual TLS; goes with --key')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS; goes with --cert')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Name to send in SNI and verify the certificate against, instead of the host')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Connect to ADDR for HOST:PORT, as curl''s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or ''*'' for all; replaces no_proxy')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long opening a connection (TCP, a proxy''s tunnel, TLS, the protocol''s handshake) may take, as curl''s; the probe''s timeout then counts from the open connection [default: the probe''s timeout covers both]')
            [CompletionResult]::new('--tcp-keepalive', '--tcp-keepalive', [CompletionResultType]::ParameterName, 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3')
            [CompletionResult]::new('--tcp-user-timeout', '--tcp-user-timeout', [CompletionResultType]::ParameterName, 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'tcp: echo (a line and its reply on one connection); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'tcp: echo (a line and its reply on one connection); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Print records as they happen, one JSON object a line (see docs/schema.md)')
            [CompletionResult]::new('--relative', '--relative', [CompletionResultType]::ParameterName, 'Timestamps relative to the start instead of RFC 3339 UTC')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every keepalive''s result too, not only transitions and server pings')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every keepalive''s result too, not only transitions and server pings')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show every column of the closing table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)')
            [CompletionResult]::new('--http1.1', '--http1.1', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)')
            [CompletionResult]::new('--each-address', '--each-address', [CompletionResultType]::ParameterName, 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
