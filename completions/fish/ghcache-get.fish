function __ghcache-get_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ghcache-get_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __ghcache-get_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __ghcache-get_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __ghcache-get_parse_tokens -S
    set -l unparsed_tokens (__ghcache-get_tokens -pc)
    switch $unparsed_tokens[1]
    case 'ghcache-get'
        __ghcache-get_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'repos'
            __ghcache-get_parse_subcommand 1 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'runs'
            __ghcache-get_parse_subcommand 1 'status=' 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'runners'
            __ghcache-get_parse_subcommand 0 'org=' 'repo=' 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'queue'
            __ghcache-get_parse_subcommand -r 1 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'rate-limit'
            __ghcache-get_parse_subcommand 0 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'api'
            __ghcache-get_parse_subcommand 1 'f/field=+' 'H/header=+' 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'graphql'
            __ghcache-get_parse_subcommand 0 'f/raw-field=+' 'F/field=+' 'H/header=+' 'config=' 'cache-dir=' 'paginate' 'ttl=' 'no-cache' 'offline' 'max-stale=' 'timeout=' 'v/verbose' 'version' 'h/help'
        case 'help'
            __ghcache-get_parse_subcommand -r 1 'version'
        end
    end
end

function __ghcache-get_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __ghcache-get_parse_subcommand -S -a positional_count
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

function __ghcache-get_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __ghcache-get_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__ghcache-get_tokens -p)
    if test -z "$(__ghcache-get_tokens -t)"
        set -l index (count (__ghcache-get_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'ghcache-get' -f
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'repos' -d 'List the repositories of a user or organisation (GET /users/OWNER/repos; TTL 600 s).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'runs' -d 'List workflow runs (GET /repos/OWNER/REPO/actions/runs; TTL 120 s, 60 s for --status queued).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'runners' -d 'List self-hosted runners of an organisation or a repository (TTL 300 s).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'queue' -d 'Count queued workflow runs of one or more repositories (TTL 60 s).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'rate-limit' -d 'Show the token\'s rate limits (GET /rate_limit; free, so always asked live; cached copy only on errors).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'api' -d 'GET any REST path through the cache, like `gh api` (TTL from the rules, else CACHE_DEFAULT_TTL).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'graphql' -d 'Run a GraphQL query through the cache, like `gh api graphql` (kept for this token only).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_positional "ghcache-get" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get repos" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" status' -l 'status' -d 'Only runs with this status (queued, in_progress, completed, success, failure, ...).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" org' -l 'org' -d 'Organisation whose runners to list.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" repo' -l 'repo' -d 'Repository whose runners to list.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get runners" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get queue" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get rate-limit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api"' -s 'f' -l 'field' -d 'Query parameter.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api"' -s 'H' -l 'header' -d 'Request header: only Accept and X-GitHub-Api-Version (they are part of the cache key).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get api" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql"' -s 'f' -l 'raw-field' -d 'A string field: query, operationName or a variable.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql"' -s 'F' -l 'field' -d 'A typed field: true, false, null, whole numbers as JSON; @FILE read from FILE.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql"' -s 'H' -l 'header' -d 'Request header: only Accept and GraphQL-Features (they are part of the cache key).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" config' -l 'config' -d 'Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" cache-dir' -l 'cache-dir' -d 'Directory of the store (overrides CACHE_DIR).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" paginate' -l 'paginate' -d 'Follow Link rel="next" and print ONE JSON array of all items. Array pages are concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, repositories, items, ...) the items of the wrapped array are concatenated and the wrapper is dropped.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" ttl' -l 'ttl' -d 'Freshness for this request (e.g. 30, 5m), instead of the TTL rules.' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" no-cache' -l 'no-cache' -d 'Ignore the cached copy and ask GitHub (the answer is still cached).'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" offline' -l 'offline' -d 'Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" max-stale' -l 'max-stale' -d 'How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" timeout' -l 'timeout' -d 'Seconds to wait for GitHub\'s answer before giving up (default 10; CACHE_TIMEOUT).' -rfka ''
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" v verbose' -l 'verbose' -s 'v' -d 'Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" version' -l 'version' -d 'Show the version.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get graphql" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'ghcache-get' -n '__ghcache-get_should_offer_completions_for_flags_or_options "ghcache-get help" version' -l 'version' -d 'Show the version.'
