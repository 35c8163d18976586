function __ghcache-peer_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ghcache-peer_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __ghcache-peer_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ghcache-peer_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __ghcache-peer_parse_tokens -S
    set -l unparsed_tokens (__ghcache-peer_tokens -pc)
    switch $unparsed_tokens[1]
    case 'ghcache-peer'
        __ghcache-peer_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'run'
            __ghcache-peer_parse_subcommand 0 'config=' 'cache-dir=' 'port=' 'listen-address=' 'bootstrap=' 'log-level=' 'version' 'h/help'
        case 'id'
            __ghcache-peer_parse_subcommand 0 'config=' 'cache-dir=' 'port=' 'listen-address=' 'bootstrap=' 'version' 'h/help'
        case 'help'
            __ghcache-peer_parse_subcommand -r 1 'version'
        end
    end
end

function __ghcache-peer_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __ghcache-peer_parse_subcommand -S -a positional_count
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

function __ghcache-peer_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __ghcache-peer_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__ghcache-peer_tokens -p)
    if test -z "$(__ghcache-peer_tokens -t)"
        set -l index (count (__ghcache-peer_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'ghcache-peer' -f
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_positional "ghcache-peer" -eq 1' -fa 'run' -d 'Run the daemon in the foreground (the default).'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_positional "ghcache-peer" -eq 1' -fa 'id' -d 'Print this runner\'s peer ID and multiaddrs (creating the identity key if needed), then exit.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_positional "ghcache-peer" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" port' -l 'port' -d 'TCP port (overrides CACHE_LISTEN_PORT).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" listen-address' -l 'listen-address' -d 'IP address to listen on (overrides CACHE_LISTEN_ADDRESS; default 0.0.0.0).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" bootstrap' -l 'bootstrap' -d 'Comma-separated multiaddrs or /dns4/NAME/tcp/PORT names to dial (overrides CACHE_BOOTSTRAP_PEERS).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" log-level' -l 'log-level' -d 'trace, debug, info, notice, warning or error.' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" port' -l 'port' -d 'TCP port (overrides CACHE_LISTEN_PORT).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" listen-address' -l 'listen-address' -d 'IP address to listen on (overrides CACHE_LISTEN_ADDRESS; default 0.0.0.0).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" bootstrap' -l 'bootstrap' -d 'Comma-separated multiaddrs or /dns4/NAME/tcp/PORT names to dial (overrides CACHE_BOOTSTRAP_PEERS).' -rfka ''
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer id" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-peer' -n '__ghcache-peer_should_offer_completions_for_flags_or_options "ghcache-peer help" version' -l 'version' -d 'Show the version.'
