
use builtin;
use str;

set edit:completion:arg-completer[kafind] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kafind'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kafind'= {
            cand --demo 'Run discoveries against built-in responders that misbehave on purpose (no outside server needed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand idle-timeout 'How long the path lets an idle connection live, and how it dies'
            cand ping-policy 'What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs'
            cand layers 'Which keepalive mechanism survives this path, and how fast each notices a dead peer'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kafind;idle-timeout'= {
            cand --min 'Shortest idle age to try'
            cand --max 'Longest idle age to try; bounds the run'
            cand --precision 'Refine the bracket until it is this narrow, relative to the timeout'
            cand --max-connections 'Open sockets at most, the control connection included'
            cand --require 'Exit 1 when the path kills idle connections sooner than DURATION'
            cand --lb-idle 'Say whether a load balancer with this idle timeout in front of the server (AWS ALB: 60s) would reuse connections the server has closed (the 502 race), and by how much to raise the server''s timeout'
            cand -W 'How long a probe may take, connection included; an idle probe unanswered by then is a silent drop'
            cand --timeout 'How long a probe may take, connection included; an idle probe unanswered by then is a silent drop'
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
            cand --json 'Print one JSON document at the end'
            cand --ndjson 'Print a record per test connection as it ends, then the answer (NDJSON)'
            cand --http1.1 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
            cand --http2 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
            cand -k 'Do not verify TLS certificates (said on stderr)'
            cand --insecure 'Do not verify TLS certificates (said on stderr)'
            cand -4 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)'
            cand -6 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)'
            cand --each-address 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kafind;ping-policy'= {
            cand --min 'Shortest ping interval to test'
            cand --max 'Longest ping interval to test; the run takes about 3x this'
            cand -W 'How long a PING''s answer (and a connection) may take'
            cand --timeout 'How long a PING''s answer (and a connection) may take'
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
            cand --json 'Print one JSON document at the end'
            cand --http1.1 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
            cand --http2 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
            cand -k 'Do not verify TLS certificates (said on stderr)'
            cand --insecure 'Do not verify TLS certificates (said on stderr)'
            cand -4 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)'
            cand -6 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)'
            cand --each-address 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kafind;layers'= {
            cand -i 'Every mechanism''s interval (default: half the idle timeout, found first)'
            cand --interval 'Every mechanism''s interval (default: half the idle timeout, found first)'
            cand --duration 'How long each mechanism alone keeps its connection (default: 3x the idle timeout, or 3 minutes)'
            cand --detect-within 'The recommendation must notice a dead peer this soon'
            cand --max-missed 'Missed keepalives (and TCP keepalive probes) that declare a peer dead'
            cand --measure-detection 'Measure, not only compute, how soon each mechanism notices a dead peer: the peer goes dead DURATION after each connection opens (a kaserve you run with --fault blackhole-after=DURATION); each mechanism runs until it says so'
            cand --idle-max 'Without --interval: the longest idle age the first discovery tries'
            cand -W 'How long a probe may take, connection included'
            cand --timeout 'How long a probe may take, connection included'
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
            cand --json 'Print one JSON document at the end'
            cand --http1.1 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
            cand --http2 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
            cand -k 'Do not verify TLS certificates (said on stderr)'
            cand --insecure 'Do not verify TLS certificates (said on stderr)'
            cand -4 'Use IPv4 addresses only (through a proxy: for the proxy''s own address, since the proxy resolves the target)'
            cand -6 'Use IPv6 addresses only (through a proxy: for the proxy''s own address)'
            cand --each-address 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'kafind;help'= {
            cand idle-timeout 'How long the path lets an idle connection live, and how it dies'
            cand ping-policy 'What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs'
            cand layers 'Which keepalive mechanism survives this path, and how fast each notices a dead peer'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kafind;help;idle-timeout'= {
        }
        &'kafind;help;ping-policy'= {
        }
        &'kafind;help;layers'= {
        }
        &'kafind;help;help'= {
        }
    ]
    $completions[$command]
}
