#!/bin/bash
# Entry point of the rds image: the command picks the daemon.
#
#   rds-sentinel [CONFIG] [--directive value ...]   the sentinel (CONFIG defaults to /etc/rds/sentinel.conf)
#   rds-server [CONFIG] [--directive value ...]     the server
#   anything else                                   rds-server with those arguments (CMD: /etc/rds/rds-server.conf)
#
# A sentinel rewrites its config file with what it learns (ids, epochs, replicas, other sentinels),
# so it runs from a copy in its volume, /data/sentinel.conf, made from CONFIG on the first start only:
# a restarted container comes back with what it knew. The image has bash but no coreutils, hence
# builtins only.
set -euo pipefail

case "${1:-}" in
    rds-sentinel)
        shift
        template="${1:-/etc/rds/sentinel.conf}"
        [ "$#" -gt 0 ] && shift
        if [ ! -e /data/sentinel.conf ]; then
            printf '%s\n' "$(< "$template")" > /data/sentinel.conf
        fi
        exec /usr/local/bin/rds-sentinel /data/sentinel.conf "$@"
        ;;
    rds-server)
        shift
        exec /usr/local/bin/rds-server "$@"
        ;;
    *)
        exec /usr/local/bin/rds-server "$@"
        ;;
esac
