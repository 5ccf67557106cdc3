
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
            cand --ndjson 'Log events as JSON records, one a line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
