# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kafind_global_optspecs
    string join \n demo h/help V/version
end

function __fish_kafind_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kafind_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kafind_using_subcommand
    set -l cmd (__fish_kafind_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kafind -n "__fish_kafind_needs_command" -l demo -d 'Run discoveries against built-in responders that misbehave on purpose (no outside server needed)'
complete -c kafind -n "__fish_kafind_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kafind -n "__fish_kafind_needs_command" -s V -l version -d 'Print version'
complete -c kafind -n "__fish_kafind_needs_command" -f -a "idle-timeout" -d 'How long the path lets an idle connection live, and how it dies'
complete -c kafind -n "__fish_kafind_needs_command" -f -a "ping-policy" -d 'What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs'
complete -c kafind -n "__fish_kafind_needs_command" -f -a "layers" -d 'Which keepalive mechanism survives this path, and how fast each notices a dead peer'
complete -c kafind -n "__fish_kafind_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l min -d 'Shortest idle age to try' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l max -d 'Longest idle age to try; bounds the run' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l precision -d 'Refine the bracket until it is this narrow, relative to the timeout' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l max-connections -d 'Open sockets at most, the control connection included' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l require -d 'Exit 1 when the path kills idle connections sooner than DURATION' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l lb-idle -d 'Say whether a load balancer with this idle timeout in front of the server (AWS ALB: 60s) would reuse connections the server has closed (the 502 race), and by how much to raise the server\'s timeout' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s W -l timeout -d 'How long a probe may take, connection included; an idle probe unanswered by then is a silent drop' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s m -l mode -d 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l send -d 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l expect -d 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l service -d 'gRPC health: the service to ask about (empty: the server as a whole)' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l authority -d 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s H -l header -d 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l method -d 'HTTP: the request method, GET or HEAD' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l expect-status -d 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l subprotocol -d 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l ca -d 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l cert -d 'Client certificate chain (PEM) for mutual TLS; goes with --key' -r -F
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l key -d 'Client private key (PEM) for mutual TLS; goes with --cert' -r -F
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l sni -d 'Name to send in SNI and verify the certificate against, instead of the host' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l resolve -d 'Connect to ADDR for HOST:PORT, as curl\'s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l proxy -d 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l noproxy -d 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or \'*\' for all; replaces no_proxy' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l connect-timeout -d 'How long opening a connection (TCP, a proxy\'s tunnel, TLS, the protocol\'s handshake) may take, as curl\'s; the probe\'s timeout then counts from the open connection [default: the probe\'s timeout covers both]' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l tcp-keepalive -d 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l tcp-user-timeout -d 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged' -r
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l json -d 'Print one JSON document at the end'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l ndjson -d 'Print a record per test connection as it ends, then the answer (NDJSON)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l http1.1 -d 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l http2 -d 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s k -l insecure -d 'Do not verify TLS certificates (said on stderr)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s 4 -d 'Use IPv4 addresses only (through a proxy: for the proxy\'s own address, since the proxy resolves the target)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s 6 -d 'Use IPv6 addresses only (through a proxy: for the proxy\'s own address)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -l each-address -d 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
complete -c kafind -n "__fish_kafind_using_subcommand idle-timeout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l min -d 'Shortest ping interval to test' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l max -d 'Longest ping interval to test; the run takes about 3x this' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s W -l timeout -d 'How long a PING\'s answer (and a connection) may take' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s m -l mode -d 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l send -d 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l expect -d 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l service -d 'gRPC health: the service to ask about (empty: the server as a whole)' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l authority -d 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s H -l header -d 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l method -d 'HTTP: the request method, GET or HEAD' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l expect-status -d 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l subprotocol -d 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l ca -d 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l cert -d 'Client certificate chain (PEM) for mutual TLS; goes with --key' -r -F
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l key -d 'Client private key (PEM) for mutual TLS; goes with --cert' -r -F
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l sni -d 'Name to send in SNI and verify the certificate against, instead of the host' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l resolve -d 'Connect to ADDR for HOST:PORT, as curl\'s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l proxy -d 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l noproxy -d 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or \'*\' for all; replaces no_proxy' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l connect-timeout -d 'How long opening a connection (TCP, a proxy\'s tunnel, TLS, the protocol\'s handshake) may take, as curl\'s; the probe\'s timeout then counts from the open connection [default: the probe\'s timeout covers both]' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l tcp-keepalive -d 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l tcp-user-timeout -d 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged' -r
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l json -d 'Print one JSON document at the end'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l http1.1 -d 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l http2 -d 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s k -l insecure -d 'Do not verify TLS certificates (said on stderr)'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s 4 -d 'Use IPv4 addresses only (through a proxy: for the proxy\'s own address, since the proxy resolves the target)'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s 6 -d 'Use IPv6 addresses only (through a proxy: for the proxy\'s own address)'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -l each-address -d 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
complete -c kafind -n "__fish_kafind_using_subcommand ping-policy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s i -l interval -d 'Every mechanism\'s interval (default: half the idle timeout, found first)' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l duration -d 'How long each mechanism alone keeps its connection (default: 3x the idle timeout, or 3 minutes)' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l detect-within -d 'The recommendation must notice a dead peer this soon' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l max-missed -d 'Missed keepalives (and TCP keepalive probes) that declare a peer dead' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l measure-detection -d 'Measure, not only compute, how soon each mechanism notices a dead peer: the peer goes dead DURATION after each connection opens (a kaserve you run with --fault blackhole-after=DURATION); each mechanism runs until it says so' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l idle-max -d 'Without --interval: the longest idle age the first discovery tries' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s W -l timeout -d 'How long a probe may take, connection included' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s m -l mode -d 'tcp: echo (a line and its reply on one connection) or connect (a new TCP connection per probe); ws: ping (Ping frames) or text (a message from --send, its reply by --expect); grpc: health (Health/Check), h2ping (HTTP/2 PING frames) or watch (Health/Watch: kaping its first status, kawatch every status pushed); http: request (a request per probe on a kept-alive connection) or h2ping (HTTP/2 PING frames)' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l send -d 'Line (tcp echo) or message (ws text) each probe sends; {seq} and {ts_ms} are replaced. kaping --send - sends each line read from stdin as it comes (a ws target in text mode) and prints each reply, as websocat does' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l expect -d 'Text a reply must contain ({seq} allowed) [default: PONG, +PONG or the line sent]' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l service -d 'gRPC health: the service to ask about (empty: the server as a whole)' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l authority -d 'gRPC and HTTP: the :authority or Host to send (and the TLS name, unless --sni) instead of host:port' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s H -l header -d 'Request header (WebSocket upgrade, HTTP request) or metadata (gRPC), repeatable; values are never printed' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l method -d 'HTTP: the request method, GET or HEAD' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l expect-status -d 'HTTP: the statuses that count as a reply, e.g. 200 or 200,204,3xx [default: 2xx,3xx]' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l subprotocol -d 'WebSocket subprotocol to ask for (Sec-WebSocket-Protocol)' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l ca -d 'Trust the certificates in this PEM file instead of the built-in roots (a self-signed server certificate in it is trusted as itself, as curl does); `system` adds the OS store (SSL_CERT_FILE, SSL_CERT_DIR); repeatable' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l cert -d 'Client certificate chain (PEM) for mutual TLS; goes with --key' -r -F
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l key -d 'Client private key (PEM) for mutual TLS; goes with --cert' -r -F
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l sni -d 'Name to send in SNI and verify the certificate against, instead of the host' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l resolve -d 'Connect to ADDR for HOST:PORT, as curl\'s --resolve: TLS, SNI, Host and :authority keep HOST; repeatable. Through a proxy a rule may name the proxy; one for the target is refused, since the proxy resolves it' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l proxy -d 'Connect through this HTTP proxy (CONNECT tunnel), for every protocol; its user:password is sent as Proxy-Authorization and never printed [default: http_proxy, https_proxy, grpc_proxy, all_proxy as curl and gRPC read them]' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l noproxy -d 'Hosts to reach directly, not through a proxy: a comma list of names (a domain covers its subdomains), addresses and CIDR ranges, or \'*\' for all; replaces no_proxy' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l connect-timeout -d 'How long opening a connection (TCP, a proxy\'s tunnel, TLS, the protocol\'s handshake) may take, as curl\'s; the probe\'s timeout then counts from the open connection [default: the probe\'s timeout covers both]' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l tcp-keepalive -d 'Kernel TCP keepalive on probe connections, e.g. 30s,5s,3' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l tcp-user-timeout -d 'TCP_USER_TIMEOUT on probe connections: how long sent data may go unacknowledged' -r
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l json -d 'Print one JSON document at the end'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l http1.1 -d 'HTTP: speak HTTP/1.1 only (offer only http/1.1 in ALPN)'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l http2 -d 'HTTP: speak HTTP/2 (ALPN h2 on https, prior knowledge on http)'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s k -l insecure -d 'Do not verify TLS certificates (said on stderr)'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s 4 -d 'Use IPv4 addresses only (through a proxy: for the proxy\'s own address, since the proxy resolves the target)'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s 6 -d 'Use IPv6 addresses only (through a proxy: for the proxy\'s own address)'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -l each-address -d 'Probe every address the name resolves to, each as a target of its own, shown as `name (addr)` (a name behind several balancer nodes)'
complete -c kafind -n "__fish_kafind_using_subcommand layers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kafind -n "__fish_kafind_using_subcommand help; and not __fish_seen_subcommand_from idle-timeout ping-policy layers help" -f -a "idle-timeout" -d 'How long the path lets an idle connection live, and how it dies'
complete -c kafind -n "__fish_kafind_using_subcommand help; and not __fish_seen_subcommand_from idle-timeout ping-policy layers help" -f -a "ping-policy" -d 'What HTTP/2 PING rate a gRPC (or HTTP/2) server allows, and who answers the PINGs'
complete -c kafind -n "__fish_kafind_using_subcommand help; and not __fish_seen_subcommand_from idle-timeout ping-policy layers help" -f -a "layers" -d 'Which keepalive mechanism survives this path, and how fast each notices a dead peer'
complete -c kafind -n "__fish_kafind_using_subcommand help; and not __fish_seen_subcommand_from idle-timeout ping-policy layers help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
