
use builtin;
use str;

set edit:completion:arg-completer[kareport] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kareport'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kareport'= {
            cand --group-by 'Group by target, protocol, mode, hour, day or hour-of-day (UTC; hour-of-day puts the same hour of every day together: when in the day it goes bad)'
            cand --since 'Only records at or after this time (RFC 3339, e.g. 2026-11-20T00:00:00Z)'
            cand --until 'Only records before this time (RFC 3339)'
            cand --format 'Output format'
            cand --plot 'Also draw RTT over time per group, down periods shaded, as an SVG file'
            cand --max-loss 'Exit 1 when the loss exceeds PCT (0%, 1.5%)'
            cand --max-rtt 'Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION'
            cand --rtt-stat 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter'
            cand --min-availability 'Exit 1 when a watched group''s availability is below PCT'
            cand --json 'Same as --format json'
            cand --csv 'Same as --format csv'
            cand --wide 'Show every column of the table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)'
            cand --skip-invalid 'Count, report on stderr and skip lines that are not valid records'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
