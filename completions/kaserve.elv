
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
            cand --tls-cert 'Server certificate chain (PEM); implies --tls'
            cand --tls-key 'Server private key (PEM); implies --tls'
            cand --tls-client-ca 'Require client certificates signed by this CA (PEM); implies --tls'
            cand --ndjson 'Log events as JSON records, one a line'
            cand --tls 'Serve TLS (wss); without --tls-cert/--tls-key a self-signed certificate for localhost, 127.0.0.1 and ::1 is generated and its path logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
