
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kaserve' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kaserve'
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
        'kaserve' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Where to listen: IP:PORT or PORT (loopback); with several responders, PROTOCOL=IP:PORT, repeated')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Where to listen: IP:PORT or PORT (loopback); with several responders, PROTOCOL=IP:PORT, repeated')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'WebSocket: send a Ping to every client this often')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'WebSocket: close with 1011 when a Pong is this late')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'gRPC health status, repeatable: STATUS for the whole server, or SERVICE=STATUS (SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN); other services answer NOT_FOUND')
            [CompletionResult]::new('--flip', '--flip', [CompletionResultType]::ParameterName, 'gRPC: flip SERVICE ("" or nothing before = is the whole server) between SERVING and NOT_SERVING every DURATION, repeatable; Watch streams see each change at once')
            [CompletionResult]::new('--ping-min-interval', '--ping-min-interval', [CompletionResultType]::ParameterName, 'gRPC: client PINGs closer together than this earn a strike (grpc-go MinTime)')
            [CompletionResult]::new('--max-ping-strikes', '--max-ping-strikes', [CompletionResultType]::ParameterName, 'gRPC: strikes allowed before GOAWAY ENHANCE_YOUR_CALM')
            [CompletionResult]::new('--max-connection-idle', '--max-connection-idle', [CompletionResultType]::ParameterName, 'gRPC: graceful GOAWAY after this long without active streams')
            [CompletionResult]::new('--max-connection-age', '--max-connection-age', [CompletionResultType]::ParameterName, 'gRPC: graceful GOAWAY after this long, whatever the connection is doing')
            [CompletionResult]::new('--max-connection-age-grace', '--max-connection-age-grace', [CompletionResultType]::ParameterName, 'gRPC: after the age GOAWAY, close the connection this much later at the latest')
            [CompletionResult]::new('--keepalive-timeout', '--keepalive-timeout', [CompletionResultType]::ParameterName, 'HTTP: close a kept-alive connection idle this long (nginx keepalive_timeout)')
            [CompletionResult]::new('--max-requests', '--max-requests', [CompletionResultType]::ParameterName, 'HTTP: requests one connection may carry; the last says Connection: close (HTTP/2: a GOAWAY after it), as nginx''s keepalive_requests')
            [CompletionResult]::new('--path-status', '--path-status', [CompletionResultType]::ParameterName, 'HTTP: the status a path answers, repeatable (other paths answer 200)')
            [CompletionResult]::new('--client-timeout', '--client-timeout', [CompletionResultType]::ParameterName, 'Every protocol: close a client silent for longer than this (counted from its last activity), logging why')
            [CompletionResult]::new('--client-ping-interval', '--client-ping-interval', [CompletionResultType]::ParameterName, 'Every protocol: ping a client silent for longer than this in its protocol''s way (a PING line, a Ping frame, an HTTP/2 PING); default half the timeout')
            [CompletionResult]::new('--fault', '--fault', [CompletionResultType]::ParameterName, 'Misbehave on purpose, repeatable: [PROTOCOL:]FAULT[,FAULT...] with FAULT one of close-idle=DUR, drop-idle=DUR, blackhole-after=DUR, ignore-pings, delay-pongs=DUR, reset-after=DUR, goaway-after=DUR (grpc), close-code=N (ws)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Server certificate chain (PEM); implies --tls')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'Server private key (PEM); implies --tls')
            [CompletionResult]::new('--tls-client-ca', '--tls-client-ca', [CompletionResultType]::ParameterName, 'Require client certificates signed by this CA (PEM); implies --tls')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Log events as JSON records, one a line')
            [CompletionResult]::new('--permit-without-stream', '--permit-without-stream', [CompletionResultType]::ParameterName, 'gRPC: hold PINGs without active streams to --ping-min-interval, not two hours')
            [CompletionResult]::new('--keepalive-header', '--keepalive-header', [CompletionResultType]::ParameterName, 'HTTP: announce --keepalive-timeout and --max-requests in a Keep-Alive header')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Serve TLS (wss, grpcs, https); without --tls-cert/--tls-key a self-signed certificate for localhost, 127.0.0.1 and ::1 is generated and its path logged')
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
