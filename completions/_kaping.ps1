
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kaping' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kaping'
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
        'kaping' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after COUNT probes per target [default: until interrupted]')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after COUNT probes per target [default: until interrupted]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Time between the starts of consecutive probes')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between the starts of consecutive probes')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe''s name for it')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe''s name for it')
            [CompletionResult]::new('--rpc-timeout', '--rpc-timeout', [CompletionResultType]::ParameterName, 'How long each probe waits for its reply (and a connection for its handshake, unless --connect-timeout bounds it); --rpc-timeout is grpc_health_probe''s name for it')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'End the whole run after DURATION, whatever the count')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'End the whole run after DURATION, whatever the count')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)')
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
            [CompletionResult]::new('--max-loss', '--max-loss', [CompletionResultType]::ParameterName, 'Exit 1 when the loss exceeds PCT (0%, 1.5%)')
            [CompletionResult]::new('--max-rtt', '--max-rtt', [CompletionResultType]::ParameterName, 'Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION')
            [CompletionResult]::new('--rtt-stat', '--rtt-stat', [CompletionResultType]::ParameterName, 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter')
            [CompletionResult]::new('--exit-codes', '--exit-codes', [CompletionResultType]::ParameterName, 'The numbers the exit status uses: kaping''s (see Exit status below) or grpc_health_probe''s, for scripts written for it (1 usage, 2 no connection, 3 the call failed, 4 not SERVING; -c defaults to 1)')
            [CompletionResult]::new('--fresh', '--fresh', [CompletionResultType]::ParameterName, 'A new connection for every probe, timing TCP connect, TLS, the WebSocket upgrade or HTTP/2 handshake, and the first round trip separately')
            [CompletionResult]::new('--http1.1', '--http1.1', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)')
            [CompletionResult]::new('--each-address', '--each-address', [CompletionResultType]::ParameterName, 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the header and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the header and the summary')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Print a timestamp (Unix time with microseconds) before each line, as ping -D does')
            [CompletionResult]::new('-O', '-O ', [CompletionResultType]::ParameterName, 'Say "no answer yet for seq=N" when the next probe comes due while one still waits for its reply (-W longer than -i), as ping -O does')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show what was said on the wire, as curl -v does: the proxy''s answer, the TLS handshake''s outcome (version, cipher, ALPN, certificate), the WebSocket upgrade, each HTTP request and response head, each gRPC call and its status; secret header values (-H, credentials, cookies) as ***')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show what was said on the wire, as curl -v does: the proxy''s answer, the TLS handshake''s outcome (version, cipher, ALPN, certificate), the WebSocket upgrade, each HTTP request and response head, each gRPC call and its status; secret header values (-H, credentials, cookies) as ***')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show every column of the summary table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document at the end instead of text')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Print records as they happen, one JSON object a line (see docs/schema.md)')
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Probe a responder started inside this process (no outside server needed)')
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
