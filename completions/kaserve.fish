complete -c kaserve -s l -l listen -d 'Where to listen: IP:PORT or PORT (loopback); with several responders, PROTOCOL=IP:PORT, repeated' -r
complete -c kaserve -l ndjson -d 'Log events as JSON records, one a line'
complete -c kaserve -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kaserve -s V -l version -d 'Print version'
