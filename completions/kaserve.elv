
use builtin;
use str;

set edit:completion:arg-completer[kaserve] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kaserve'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kaserve'= {
            cand -l 'Where to listen: IP:PORT or PORT (loopback); with several responders, PROTOCOL=IP:PORT, repeated'
            cand --listen 'Where to listen: IP:PORT or PORT (loopback); with several responders, PROTOCOL=IP:PORT, repeated'
            cand --ping-interval 'WebSocket: send a Ping to every client this often'
            cand --ping-timeout 'WebSocket: close with 1011 when a Pong is this late'
            cand --status 'gRPC health status, repeatable: STATUS for the whole server, or SERVICE=STATUS (SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN); other services answer NOT_FOUND'
            cand --flip 'gRPC: flip SERVICE ("" or nothing before = is the whole server) between SERVING and NOT_SERVING every DURATION, repeatable; Watch streams see each change at once'
            cand --ping-min-interval 'gRPC: client PINGs closer together than this earn a strike (grpc-go MinTime)'
            cand --max-ping-strikes 'gRPC: strikes allowed before GOAWAY ENHANCE_YOUR_CALM'
            cand --max-connection-idle 'gRPC: graceful GOAWAY after this long without active streams'
            cand --max-connection-age 'gRPC: graceful GOAWAY after this long, whatever the connection is doing'
            cand --max-connection-age-grace 'gRPC: after the age GOAWAY, close the connection this much later at the latest'
            cand --keepalive-timeout 'HTTP: close a kept-alive connection idle this long (nginx keepalive_timeout)'
            cand --max-requests 'HTTP: requests one connection may carry; the last says Connection: close (HTTP/2: a GOAWAY after it), as nginx''s keepalive_requests'
            cand --path-status 'HTTP: the status a path answers, repeatable (other paths answer 200)'
            cand --client-timeout 'Every protocol: close a client silent for longer than this (counted from its last activity), logging why'
            cand --client-ping-interval 'Every protocol: ping a client silent for longer than this in its protocol''s way (a PING line, a Ping frame, an HTTP/2 PING); default half the timeout'
            cand --fault 'Misbehave on purpose, repeatable: [PROTOCOL:]FAULT[,FAULT...] with FAULT one of close-idle=DUR, drop-idle=DUR, blackhole-after=DUR, ignore-pings, delay-pongs=DUR, reset-after=DUR, goaway-after=DUR (grpc), close-code=N (ws)'
            cand --tls-cert 'Server certificate chain (PEM); implies --tls'
            cand --tls-key 'Server private key (PEM); implies --tls'
            cand --tls-client-ca 'Require client certificates signed by this CA (PEM); implies --tls'
            cand --ndjson 'Log events as JSON records, one a line'
            cand --permit-without-stream 'gRPC: hold PINGs without active streams to --ping-min-interval, not two hours'
            cand --keepalive-header 'HTTP: announce --keepalive-timeout and --max-requests in a Keep-Alive header'
            cand --tls 'Serve TLS (wss, grpcs, https); without --tls-cert/--tls-key a self-signed certificate for localhost, 127.0.0.1 and ::1 is generated and its path logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
