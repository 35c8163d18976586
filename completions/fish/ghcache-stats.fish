function __ghcache-stats_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ghcache-stats_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __ghcache-stats_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ghcache-stats_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __ghcache-stats_parse_tokens -S
    set -l unparsed_tokens (__ghcache-stats_tokens -pc)
    switch $unparsed_tokens[1]
    case 'ghcache-stats'
        __ghcache-stats_parse_subcommand 0 'config=' 'cache-dir=' 'json' 'watch' 'interval=' 'count=' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __ghcache-stats_parse_subcommand -r 1 'version'
        end
    end
end

function __ghcache-stats_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __ghcache-stats_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __ghcache-stats_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __ghcache-stats_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__ghcache-stats_tokens -p)
    if test -z "$(__ghcache-stats_tokens -t)"
        set -l index (count (__ghcache-stats_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'ghcache-stats' -f
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" json' -l 'json' -d 'Print one JSON object instead of a table.'
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" watch' -l 'watch' -d 'Keep printing: redraw the table (or print a JSON line with --json) every --interval seconds.'
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" interval' -l 'interval' -d 'Seconds between updates with --watch.' -rfka ''
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" count' -l 'count' -d 'With --watch, stop after this many updates.' -rfka ''
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_positional "ghcache-stats" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'ghcache-stats' -n '__ghcache-stats_should_offer_completions_for_flags_or_options "ghcache-stats help" version' -l 'version' -d 'Show the version.'
