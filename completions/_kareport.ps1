
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kareport' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kareport'
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
        'kareport' {
            [CompletionResult]::new('--group-by', '--group-by', [CompletionResultType]::ParameterName, 'Group by target, protocol, mode, hour, day or hour-of-day (UTC; hour-of-day puts the same hour of every day together: when in the day it goes bad)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records at or after this time (RFC 3339, e.g. 2026-11-20T00:00:00Z)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only records before this time (RFC 3339)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--plot', '--plot', [CompletionResultType]::ParameterName, 'Also draw RTT over time per group, down periods shaded, as an SVG file')
            [CompletionResult]::new('--max-loss', '--max-loss', [CompletionResultType]::ParameterName, 'Exit 1 when the loss exceeds PCT (0%, 1.5%)')
            [CompletionResult]::new('--max-rtt', '--max-rtt', [CompletionResultType]::ParameterName, 'Exit 1 when the RTT statistic chosen by --rtt-stat exceeds DURATION')
            [CompletionResult]::new('--rtt-stat', '--rtt-stat', [CompletionResultType]::ParameterName, 'Statistic --max-rtt applies to: min, avg, max, mdev, p50, p90, p95, p99, p99.9, jitter')
            [CompletionResult]::new('--min-availability', '--min-availability', [CompletionResultType]::ParameterName, 'Exit 1 when a watched group''s availability is below PCT')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Same as --format csv')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show every column of the table, however wide (it is fitted to the terminal, or to COLUMNS, otherwise)')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Count, report on stderr and skip lines that are not valid records')
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
