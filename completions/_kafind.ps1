
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kafind' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kafind'
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
        'kafind' {
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Run discoveries against built-in responders that misbehave on purpose (no outside server needed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('idle-timeout', 'idle-timeout', [CompletionResultType]::ParameterValue, 'How long the path lets an idle connection live, and how it dies')
            [CompletionResult]::new('ping-policy', 'ping-policy', [CompletionResultType]::ParameterValue, 'What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs')
            [CompletionResult]::new('layers', 'layers', [CompletionResultType]::ParameterValue, 'Which keepalive mechanism survives this path, and how fast each notices a dead peer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kafind;idle-timeout' {
            [CompletionResult]::new('--min', '--min', [CompletionResultType]::ParameterName, 'Shortest idle age to try')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Longest idle age to try; bounds the run')
            [CompletionResult]::new('--precision', '--precision', [CompletionResultType]::ParameterName, 'Refine the bracket until it is this narrow, relative to the timeout')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Open sockets at most, the control connection included')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'Exit 1 when the path kills idle connections sooner than DURATION')
            [CompletionResult]::new('--lb-idle', '--lb-idle', [CompletionResultType]::ParameterName, 'Say whether a load balancer with this idle timeout in front of the server (AWS ALB: 60s) would reuse connections the server has closed (the 502 race), and by how much to raise the server''s timeout')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'How long a probe may take, connection included; an idle probe unanswered by then is a silent drop')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a probe may take, connection included; an idle probe unanswered by then is a silent drop')
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
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document at the end')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Print a record per test connection as it ends, then the answer (NDJSON)')
            [CompletionResult]::new('--http1.1', '--http1.1', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)')
            [CompletionResult]::new('--each-address', '--each-address', [CompletionResultType]::ParameterName, 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kafind;ping-policy' {
            [CompletionResult]::new('--min', '--min', [CompletionResultType]::ParameterName, 'Shortest ping interval to test')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Longest ping interval to test; the run takes about 3x this')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'How long a PING''s answer (and a connection) may take')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a PING''s answer (and a connection) may take')
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
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document at the end')
            [CompletionResult]::new('--http1.1', '--http1.1', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)')
            [CompletionResult]::new('--each-address', '--each-address', [CompletionResultType]::ParameterName, 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kafind;layers' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Every mechanism''s interval (default: half the idle timeout, found first)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Every mechanism''s interval (default: half the idle timeout, found first)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long each mechanism alone keeps its connection (default: 3x the idle timeout, or 3 minutes)')
            [CompletionResult]::new('--detect-within', '--detect-within', [CompletionResultType]::ParameterName, 'The recommendation must notice a dead peer this soon')
            [CompletionResult]::new('--max-missed', '--max-missed', [CompletionResultType]::ParameterName, 'Missed keepalives (and TCP keepalive probes) that declare a peer dead')
            [CompletionResult]::new('--measure-detection', '--measure-detection', [CompletionResultType]::ParameterName, 'Measure, not only compute, how soon each mechanism notices a dead peer: the peer goes dead DURATION after each connection opens (a kaserve you run with --fault blackhole-after=DURATION); each mechanism runs until it says so')
            [CompletionResult]::new('--idle-max', '--idle-max', [CompletionResultType]::ParameterName, 'Without --interval: the longest idle age the first discovery tries')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'How long a probe may take, connection included')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a probe may take, connection included')
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
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document at the end')
            [CompletionResult]::new('--http1.1', '--http1.1', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (said on stderr)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)')
            [CompletionResult]::new('--each-address', '--each-address', [CompletionResultType]::ParameterName, 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kafind;help' {
            [CompletionResult]::new('idle-timeout', 'idle-timeout', [CompletionResultType]::ParameterValue, 'How long the path lets an idle connection live, and how it dies')
            [CompletionResult]::new('ping-policy', 'ping-policy', [CompletionResultType]::ParameterValue, 'What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs')
            [CompletionResult]::new('layers', 'layers', [CompletionResultType]::ParameterValue, 'Which keepalive mechanism survives this path, and how fast each notices a dead peer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kafind;help;idle-timeout' {
            break
        }
        'kafind;help;ping-policy' {
            break
        }
        'kafind;help;layers' {
            break
        }
        'kafind;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
